
namespace Fleet.Cloud.Enrolment;

/// <summary>
/// <c>--node-cert FILE --node-key FILE --ca-cert FILE</c>: a node certificate issued beforehand by
/// <c>fleet-cloud ca issue-node</c>, so the node runs with the CA certificate only, never the CA key.
/// </summary>
public sealed record NodeCertificateFiles(string CertPath, string KeyPath, string CaCertPath)
{
    /// <summary>Null when none of the three is given; a usage error when only some are, or with --ca-key.</summary>
    public static NodeCertificateFiles? From(string? cert, string? key, string? ca, string? caKey)
    {
        if (cert is null && key is null && ca is null) return null;
        if (cert is null || key is null || ca is null)
            throw new UsageException("--node-cert, --node-key and --ca-cert go together (a certificate from 'fleet-cloud ca issue-node', its key, the fleet CA certificate)");
        if (caKey is not null)
            throw new UsageException("--ca-key and --node-cert exclude each other: a node either issues its own certificate from the CA key or runs with a pre-issued one");
        return new NodeCertificateFiles(Path.GetFullPath(cert), Path.GetFullPath(key), Path.GetFullPath(ca));
    }
}
