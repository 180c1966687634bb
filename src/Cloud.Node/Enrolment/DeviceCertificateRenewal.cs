using System.Security.Cryptography.X509Certificates;
using Fleet.Cloud.Audit;
using Fleet.Shared.Security.Pki;

namespace Fleet.Cloud.Enrolment;

/// <summary>
/// The fleet CA's side of certificate renewal, used by a device's registry entity on a control node: signs a device's
/// request for the device id its stream proved (never the request's own subject), skips revoked devices, and records
/// every certificate signed and every renewal refused in the node's audit log.
/// </summary>
/// <param name="ca">Null on a node without the CA key (it refuses, the device asks again later).</param>
public sealed class DeviceCertificateRenewal(FleetCa? ca, RevocationList revoked, TimeSpan lifetime, CloudAudit audit)
{
    public const string RefusedAction = "certificate.renewal-refused";
    private static readonly TimeSpan MaxMinInterval = TimeSpan.FromHours(1);

    public TimeSpan Lifetime => lifetime;

    /// <summary>
    /// One renewal per device per this interval: a tenth of the lifetime, at most an hour. A device that renews when a
    /// third of its lifetime is left never meets it; one that asks in a loop is held to a trickle of signatures.
    /// </summary>
    public TimeSpan MinInterval => TimeSpan.FromTicks(Math.Min(MaxMinInterval.Ticks, lifetime.Ticks / 10));

    /// <summary>A new certificate for <paramref name="deviceId"/> over the request's key, or why not (audited either way).</summary>
    public (X509Certificate2? Certificate, string? Refusal) Issue(string deviceId, string csrPem)
    {
        var (key, refusal) = DeviceCsr.Read(csrPem, deviceId);
        refusal = revoked.IsRevoked(deviceId) ? $"device '{deviceId}' is revoked"
            : ca is null ? "this control node holds no fleet CA key; ask again later"
            : refusal;
        if (refusal is not null) return (null, Refuse(deviceId, refusal));
        var cert = ca!.IssueDevice(deviceId, key!, lifetime);
        audit.Record("fleet-ca", EnrolmentService.CertificateSignedAction, deviceId,
            $"serial {cert.SerialNumber}, via renewal, valid until {cert.NotAfter.ToUniversalTime():u}");
        return (cert, null);
    }

    /// <summary>Records a refused renewal; returns the reason for the device.</summary>
    public string Refuse(string deviceId, string reason)
    {
        audit.Record($"device:{deviceId}", RefusedAction, deviceId, reason);
        return reason;
    }
}
