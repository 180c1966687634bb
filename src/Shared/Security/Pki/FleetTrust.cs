using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Fleet.Shared.Security.Pki;

/// <summary>
/// Decides whether a peer certificate belongs to this fleet: issued by the fleet CA (not merely by some CA the
/// machine trusts), within its validity period, and not revoked. Every refusal comes with a one-line reason.
/// </summary>
public sealed class FleetTrust(X509Certificate2 ca, RevocationList? revoked = null, Func<DateTimeOffset>? clock = null)
{
    public X509Certificate2 Ca { get; } = ca;
    public RevocationList Revoked { get; } = revoked ?? new RevocationList(null);

    /// <summary>
    /// Certificates already chained to <see cref="Ca"/> (SHA-256 of the DER). A device's certificate is checked at its TLS
    /// handshake and again in its registration proof, and building the chain is the costliest step of either; dates and
    /// revocation are still checked every time. Bounded: emptied when full.
    /// </summary>
    private readonly ConcurrentDictionary<string, byte> _chained = new(StringComparer.Ordinal);
    private const int MaxChained = 100_000;

    private int _chainsBuilt;

    /// <summary>Chains this instance has built (each certificate once while it is remembered); for tests.</summary>
    internal int ChainsBuilt => _chainsBuilt;

    /// <summary>
    /// The chain a TLS handshake builds for a peer: to this CA alone, not the machine's roots, with no revocation fetch
    /// (the fleet's own list is checked by <see cref="Check"/>). A new policy each call: a handshake may change its own.
    /// </summary>
    public X509ChainPolicy TlsChainPolicy() => new()
    {
        TrustMode = X509ChainTrustMode.CustomRootTrust,
        RevocationMode = X509RevocationMode.NoCheck,
        CustomTrustStore = { Ca },
    };

    /// <summary>Null when the certificate is acceptable, otherwise why not.</summary>
    public string? Check(X509Certificate2? cert)
    {
        if (cert is null) return "no client certificate presented";
        var now = (clock ?? (() => DateTimeOffset.UtcNow))();
        var who = FleetCertificates.Describe(cert);
        if (cert.RawData.AsSpan().SequenceEqual(Ca.RawData)) return "the fleet CA certificate itself is not a node certificate";
        if (now < cert.NotBefore.ToUniversalTime()) return $"certificate of {who} is not valid before {cert.NotBefore.ToUniversalTime():u}";
        if (now > cert.NotAfter.ToUniversalTime()) return $"certificate of {who} expired at {cert.NotAfter.ToUniversalTime():u}";
        if (ChainRefusal(cert, who, now) is { } refusal) return refusal;
        if (FleetCertificates.DeviceIdOf(cert) is { } id && Revoked.IsRevoked(id)) return $"device {id} is revoked";
        if (FleetCertificates.DeviceIdOf(cert) is null && !FleetCertificates.IsNode(cert)) return $"certificate {who} names neither a device nor a node";
        return null;
    }

    private string? ChainRefusal(X509Certificate2 cert, string who, DateTimeOffset now)
    {
        var key = Convert.ToBase64String(cert.GetCertHash(HashAlgorithmName.SHA256));
        if (now <= Ca.NotAfter.ToUniversalTime() && _chained.ContainsKey(key)) return null;
        Interlocked.Increment(ref _chainsBuilt);
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(Ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.VerificationTime = now.UtcDateTime;
        chain.ChainPolicy.VerificationTimeIgnored = false;
        var built = chain.Build(cert);
        // Each element is a certificate of its own: disposed here rather than left to the finalizer (thousands a minute).
        var elements = chain.ChainElements.Select(e => e.Certificate).ToList();
        try
        {
            if (!built)
            {
                var status = string.Join(", ", chain.ChainStatus.Select(s => s.Status.ToString()).Distinct());
                return cert.Subject == cert.Issuer
                    ? $"certificate {who} is self-signed, not issued by the fleet CA"
                    : $"certificate {who} (issuer '{cert.Issuer}') is not issued by the fleet CA ({status})";
            }
            if (!elements[^1].RawData.AsSpan().SequenceEqual(Ca.RawData)) return $"certificate {who} does not chain to the fleet CA";
        }
        finally
        {
            foreach (var e in elements) e.Dispose();
        }
        if (_chained.Count >= MaxChained) _chained.Clear();
        _chained.TryAdd(key, 0);
        return null;
    }

    /// <summary>
    /// Like <see cref="Check"/>, and the certificate must be a node certificate: only cloud nodes may be cluster members or
    /// remoting peers. A device certificate, however valid, is refused (devices connect through a gateway).
    /// </summary>
    public string? CheckNode(X509Certificate2? cert)
    {
        if (Check(cert) is { } reason) return reason;
        return FleetCertificates.IsNode(cert!) ? null
            : $"certificate of {FleetCertificates.Describe(cert!)} is not a node certificate: devices connect through a gateway, never to remoting";
    }
}
