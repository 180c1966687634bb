using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Fleet.Shared.Gateway;
using Fleet.Shared.Gateway.Wire;
using Fleet.Shared.Security.Pki;

namespace Fleet.Edge.Identity;

/// <summary>
/// The device's side of certificate renewal: when the certificate is due (less than <c>renewBefore</c> of its lifetime
/// left), a request over a key made for it; when the answer comes, the new certificate checked and paired with that key.
/// An unanswered or refused request is asked again after <see cref="RetryDelay"/>.
/// </summary>
public sealed class CertificateRenewal(double renewBefore) : IDisposable
{
    public const double DefaultRenewBefore = 1.0 / 3;
    private static readonly TimeSpan MinStep = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MaxStep = TimeSpan.FromHours(1);

    private ECDsa? _pendingKey;
    private DateTimeOffset _askAgainAt = DateTimeOffset.MinValue;

    public double RenewBefore => renewBefore;

    public static TimeSpan LifetimeOf(X509Certificate2 cert) => cert.NotAfter.ToUniversalTime() - cert.NotBefore.ToUniversalTime();

    public static bool IsDue(X509Certificate2 cert, DateTimeOffset now, double renewBefore) =>
        cert.NotAfter.ToUniversalTime() - now < LifetimeOf(cert) * renewBefore;

    public static bool IsExpired(X509Certificate2 cert, DateTimeOffset now) => now > cert.NotAfter.ToUniversalTime();

    /// <summary>How often the link looks at the date: a hundredth of the lifetime, between a second and an hour.</summary>
    public static TimeSpan CheckInterval(X509Certificate2 cert) => Clamp(LifetimeOf(cert) / 100, MinStep, MaxStep);

    /// <summary>How long an unanswered or refused request waits before it is asked again: a twentieth of the lifetime, 2 s to an hour.</summary>
    public static TimeSpan RetryDelay(X509Certificate2 cert) => Clamp(LifetimeOf(cert) / 20, 2 * MinStep, MaxStep);

    /// <summary>The request to send now (with a new key kept for the answer), or null when none is due.</summary>
    public DeviceFrame? Next(EdgeCredentials current, DateTimeOffset now)
    {
        if (!IsDue(current.Certificate, now, renewBefore) || now < _askAgainAt) return null;
        _pendingKey?.Dispose();
        _pendingKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        _askAgainAt = now + RetryDelay(current.Certificate);
        return DeviceFrames.RenewCertificate(DeviceCsr.Create(current.DeviceId, _pendingKey));
    }

    /// <summary>
    /// The renewed certificate with its key, when it is from the fleet CA, in date, for this device and over the key
    /// this device just made; otherwise why not (the current certificate stays in use).
    /// </summary>
    public (X509Certificate2? Renewed, string? Problem) Accept(string certificatePem, EdgeCredentials current, DateTimeOffset now)
    {
        if (_pendingKey is null) return (null, "a certificate arrived that this device did not ask for");
        X509Certificate2 renewed;
        try
        {
            using var cert = X509Certificate2.CreateFromPem(certificatePem);
            renewed = FleetCertificates.WithKey(cert, _pendingKey);
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException)
        {
            return (null, $"the certificate is unreadable or not over the key this device made: {e.Message.Split('\n')[0].Trim()}");
        }
        var problem = new FleetTrust(current.Ca, null, () => now).Check(renewed)
                      ?? (FleetCertificates.DeviceIdOf(renewed) != current.DeviceId ? $"the certificate is not for device {current.DeviceId}" : null);
        if (problem is not null)
        {
            renewed.Dispose();
            return (null, problem);
        }
        _pendingKey.Dispose();
        _pendingKey = null;
        return (renewed, null);
    }

    /// <summary>
    /// <see cref="Accept"/>, then <see cref="EnrolmentStore.SaveRenewed"/>: the credentials to use from now on, or null
    /// (the current pair stays); either way one line for the agent's log.
    /// </summary>
    public (EdgeCredentials? Renewed, string Line) Adopt(string certificatePem, EdgeCredentials current, string dataDir, DateTimeOffset now)
    {
        var (renewed, problem) = Accept(certificatePem, current, now);
        if (renewed is null) return (null, $"refused the renewed certificate: {problem}; keeping the current one");
        try
        {
            var saved = EnrolmentStore.SaveRenewed(dataDir, current, renewed);
            return (saved, $"device certificate renewed (serial {current.Certificate.SerialNumber} -> {renewed.SerialNumber}, " +
                           $"valid until {renewed.NotAfter.ToUniversalTime():u}); reconnecting with it");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            renewed.Dispose();
            return (null, $"cannot store the renewed certificate ({e.Message}); keeping the current one and asking again later");
        }
    }

    /// <summary>What a device whose certificate expired tells its operator: what happened and what to do.</summary>
    public static string ExpiredLine(EdgeCredentials current, string dataDir) =>
        $"the device certificate (serial {current.Certificate.SerialNumber}) expired at {current.Certificate.NotAfter.ToUniversalTime():u} " +
        "and was not renewed in time: gateways refuse it, so this device cannot reach the fleet. Enrol it again: " +
        $"'fleet-cloud enroll --device-id {current.DeviceId} --code', then remove {EnrolmentStore.DirOf(dataDir)} and run " +
        "'fleet-edge enroll --code CODE --api URL'. Local renders carry on meanwhile.";

    private static TimeSpan Clamp(TimeSpan value, TimeSpan min, TimeSpan max) => value < min ? min : value > max ? max : value;

    public void Dispose() => _pendingKey?.Dispose();
}
