using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Akka.Actor;
using Fleet.Shared.Security.Pki;
using static Fleet.Shared.Cluster.Attestation.NodeAttestationProtocol;

namespace Fleet.Shared.Cluster.Attestation;

/// <summary>
/// The pure half of member attestation. TLS only proves that a peer holds some node certificate; membership (address,
/// roles) is gossip the member wrote itself. A statement signed with the certificate's key binds the two: the member
/// at this address holds this certificate, and may claim only the roles written into it.
/// </summary>
public static class NodeAttestation
{
    /// <summary>How far a statement's timestamp may be from the checker's clock.</summary>
    public static readonly TimeSpan MaxSkew = TimeSpan.FromMinutes(2);

    public static Statement Sign(X509Certificate2 certificate, Address self, IEnumerable<string> roles, byte[] nonce, DateTimeOffset now)
    {
        using var key = certificate.GetECDsaPrivateKey() ?? throw new InvalidOperationException("the node certificate has no private key");
        var sorted = Sorted(roles);
        return new Statement(certificate.RawData, self.ToString(), sorted, now, nonce,
            key.SignData(Payload(self.ToString(), sorted, now, nonce), HashAlgorithmName.SHA256));
    }

    /// <summary>Null when <paramref name="statement"/> proves <paramref name="member"/> and its roles, else why not (one line).</summary>
    public static string? Check(FleetTrust trust, Statement statement, Address member, IEnumerable<string> memberRoles, byte[] nonce, DateTimeOffset now)
    {
        if (!CryptographicOperations.FixedTimeEquals(statement.Nonce, nonce)) return "its statement answers a different challenge";
        X509Certificate2 cert;
        try { cert = X509CertificateLoader.LoadCertificate(statement.Certificate); }
        catch (CryptographicException) { return "its statement carries an unreadable certificate"; }
        using (cert)
        {
            if (trust.CheckNode(cert) is { } untrusted) return untrusted;
            var who = FleetCertificates.Describe(cert);
            if (statement.Address != member.ToString()) return $"its statement is for {statement.Address}, not {member}";
            if (!NamesAddress(cert, member)) return $"certificate of {who} does not name {member.Host}:{member.Port}";
            if ((now - statement.SignedAt).Duration() > MaxSkew) return $"its statement signed at {statement.SignedAt:u} is too old or in the future";
            using var key = cert.GetECDsaPublicKey();
            if (key is null || !key.VerifyData(Payload(statement.Address, statement.Roles, statement.SignedAt, statement.Nonce), statement.Signature,
                    HashAlgorithmName.SHA256))
                return "its statement's signature does not match its certificate";
            var granted = FleetCertificates.RolesOf(cert);
            var claimed = Sorted(memberRoles);
            var extra = claimed.Where(r => !granted.Contains(r)).ToList();
            if (extra.Count > 0)
                return $"it claims role(s) {string.Join(",", extra)} that certificate of {who} does not grant (it grants {(granted.Count == 0 ? "none" : string.Join(",", granted.Order(StringComparer.Ordinal)))})";
            if (!claimed.SequenceEqual(Sorted(statement.Roles))) return $"its statement names roles {string.Join(",", Sorted(statement.Roles))}, membership {string.Join(",", claimed)}";
            return null;
        }
    }

    /// <summary>
    /// Whether the certificate may stand behind this member address: its node name is exactly <c>HOST:PORT</c> (self-issued
    /// certificates), or HOST is one of its DNS/IP names (pre-issued ones; <c>*.domain</c> matches one label).
    /// </summary>
    public static bool NamesAddress(X509Certificate2 cert, Address address)
    {
        if (address.Host is not { Length: > 0 } rawHost || address.Port is not { } port) return false;
        var host = rawHost.Trim('[', ']');
        if (FleetCertificates.NodeNameOf(cert) is { } name && string.Equals(name, $"{host}:{port}", StringComparison.OrdinalIgnoreCase)) return true;
        return FleetCertificates.HostNamesOf(cert).Any(n => HostMatches(n, host));
    }

    private static bool HostMatches(string pattern, string host)
    {
        if (IPAddress.TryParse(pattern, out var a)) return IPAddress.TryParse(host, out var b) && a.Equals(b);
        if (string.Equals(pattern, host, StringComparison.OrdinalIgnoreCase)) return true;
        if (!pattern.StartsWith("*.", StringComparison.Ordinal)) return false;
        var dot = host.IndexOf('.');
        return dot > 0 && string.Equals(host[dot..], pattern[1..], StringComparison.OrdinalIgnoreCase);
    }

    private static string[] Sorted(IEnumerable<string> roles) => roles.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();

    private static byte[] Payload(string address, IEnumerable<string> roles, DateTimeOffset signedAt, byte[] nonce) =>
        Encoding.UTF8.GetBytes($"fleet-node-attestation\n{address}\n{string.Join(",", Sorted(roles))}\n{signedAt.ToUnixTimeMilliseconds()}\n{Convert.ToHexStringLower(nonce)}");
}
