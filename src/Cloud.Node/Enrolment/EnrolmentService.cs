using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Akka.Actor;
using Akka.Cluster.Tools.PublishSubscribe;
using Akka.Hosting;
using Fleet.Cloud.Api;
using Fleet.Cloud.Audit;
using Fleet.Cloud.Hosting;
using Fleet.Shared.Cluster;
using Fleet.Shared.Commands;
using Fleet.Shared.Devices;
using Fleet.Shared.Enrolment;
using Fleet.Shared.Security.Pki;

namespace Fleet.Cloud.Enrolment;

/// <summary>
/// Issues device certificates (bundles and one-time codes), redeems codes, and revokes devices. Every decision that
/// must hold once across the control plane (a code used once, a revocation) is made by the device's registry entity.
/// </summary>
public sealed class EnrolmentService(ActorSystem system, IRequiredActor<DeviceRegion> region, CloudOptions options, IServiceProvider services,
    CloudAudit audit, ILogger<EnrolmentService> log)
{
    public static readonly TimeSpan DefaultCodeLifetime = TimeSpan.FromMinutes(15);
    public const string CertificateSignedAction = "enrolment.certificate-signed";
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(10);

    private CloudPki Pki => services.GetService<CloudPki>()
        ?? throw new EnrolmentException(StatusCodes.Status409Conflict, "this cloud runs with --insecure-dev: there is no fleet CA to enrol devices with");

    private DeviceTokens? Tokens => services.GetService<DeviceTokens>();

    /// <summary>Operator path: the cloud makes the key and certificate; the bundle is the only copy of the key.</summary>
    public async Task<EnrolmentBundle> IssueBundleAsync(EnrolRequest req, string apiUrl, CancellationToken ct)
    {
        var pki = Pki;
        using var cert = Signed(pki.Issuer.IssueDeviceWithKey(req.DeviceId, options.DeviceCertificateLifetime), req.DeviceId, "bundle");
        await AskAsync(new DeviceCommands.RecordEnrolment(req.DeviceId, cert.SerialNumber, cert.NotAfter.ToUniversalTime(), req.Tags), ct);
        return Bundle(req.DeviceId, cert, FleetCertificates.KeyPem(cert), req.Tags ?? new Dictionary<string, string>(), req.Seeds, req.ApiUrl ?? apiUrl);
    }

    public async Task<(EnrolmentCode Code, DateTimeOffset ExpiresAt)> IssueCodeAsync(EnrolRequest req, CancellationToken ct)
    {
        var code = EnrolmentCode.New(req.DeviceId, Pki.Issuer.Fingerprint);
        var ttl = req.TtlSeconds is > 0 ? TimeSpan.FromSeconds(req.TtlSeconds.Value) : DefaultCodeLifetime;
        var expires = DateTimeOffset.UtcNow + ttl;
        await AskAsync(new DeviceCommands.IssueEnrolmentCode(req.DeviceId, code.SecretHash, expires, req.Tags ?? new Dictionary<string, string>()), ct);
        return (code, expires);
    }

    /// <summary>
    /// Device path: the key never leaves the device; the cloud signs its CSR if the code is good. The code is checked
    /// first, so a wrong one is refused before the fleet CA signs anything; the redeem after signing checks it again
    /// in the same step that records it, so a code still works once when two devices race with it.
    /// </summary>
    public async Task<EnrolmentBundle> RedeemAsync(RedeemRequest req, string apiUrl, CancellationToken ct)
    {
        var issuer = Pki.Issuer;
        EnrolmentCode code;
        try { code = EnrolmentCode.Parse(req.Code ?? ""); }
        catch (UsageException e) { throw Refused(StatusCodes.Status400BadRequest, "?", e.Message); }
        var check = await region.ActorRef.AskCommand<DeviceReplies.EnrolmentAccepted>(new DeviceCommands.CheckEnrolmentCode(code.DeviceId, code.SecretHash), AskTimeout, ct);
        if (check.Refusal is { } refused) throw Refused(ApiResults.StatusOf(refused.Code), code.DeviceId, refused.Reason);
        CertificateRequest csr;
        try { csr = CertificateRequest.LoadSigningRequestPem(req.CsrPem ?? "", HashAlgorithmName.SHA256); }
        catch (CryptographicException e) { throw Refused(StatusCodes.Status400BadRequest, code.DeviceId, $"the certificate signing request is invalid: {e.Message}"); }
        using var cert = Signed(issuer.IssueDevice(code.DeviceId, csr.PublicKey, options.DeviceCertificateLifetime), code.DeviceId, "code");
        var reply = await region.ActorRef.AskCommand<DeviceReplies.EnrolmentAccepted>(
            new DeviceCommands.RedeemEnrolmentCode(code.DeviceId, code.SecretHash, cert.SerialNumber, cert.NotAfter.ToUniversalTime()), AskTimeout, ct);
        return reply.Value is { } ok
            ? Bundle(code.DeviceId, cert, null, ok.Tags, null, apiUrl)
            : throw Refused(ApiResults.StatusOf(reply.Refusal!.Code), code.DeviceId, reply.Refusal.Reason, $"; certificate {cert.SerialNumber} was signed and is discarded");
    }

    /// <summary>
    /// Revokes in the registry and tells every cloud node: each one's TLS check refuses the certificate from now on and
    /// each gateway closes the device's stream. A development device member is also removed from the cluster.
    /// </summary>
    public async Task<DeviceReplies.RevokeResult> RevokeAsync(string deviceId, string by, CancellationToken ct)
    {
        var result = await region.ActorRef.Ask<DeviceReplies.RevokeResult>(new DeviceCommands.Revoke(deviceId, by), AskTimeout, ct);
        if (!result.Known) return result;
        services.GetService<CloudPki>()?.Revoked.Add(deviceId);
        DistributedPubSub.Get(system).Mediator.Tell(new Publish(RevocationNotice.Topic, new RevocationNotice(deviceId)));
        var cluster = Akka.Cluster.Cluster.Get(system);
        foreach (var m in cluster.State.Members.Where(m => m.HasRole(FleetCluster.DeviceRole(deviceId))))
        {
            log.LogWarning("revoked device {Device}: downing its member {Address}", deviceId, m.Address);
            cluster.Down(m.Address);
        }
        return result;
    }

    public string CaPem => Pki.CaCertificate.ExportCertificatePem();

    private EnrolmentBundle Bundle(string deviceId, X509Certificate2 cert, string? keyPem, IReadOnlyDictionary<string, string> tags,
        IReadOnlyList<string>? seeds, string apiUrl) => new(
        deviceId, cert.ExportCertificatePem(), keyPem, Pki.CaCertificate.ExportCertificatePem(),
        seeds is { Count: > 0 } ? seeds : options.Seeds.Count > 0 ? options.Seeds.Select(s => s.ToString()).ToList() : new[] { $"{options.Host}:{options.Port}" },
        apiUrl, tags, Tokens?.Issue(deviceId), options.AdvertisedGateways);

    private async Task AskAsync(IDeviceMessage cmd, CancellationToken ct)
    {
        var reply = await region.ActorRef.AskCommand<DeviceReplies.EnrolmentAccepted>(cmd, AskTimeout, ct);
        if (reply.Refusal is { } no) throw new EnrolmentException(ApiResults.StatusOf(no.Code), no.Reason);
    }

    /// <summary>
    /// Every device certificate the fleet CA signs is written to the audit log: the device path is outside the operator
    /// API that the audit middleware records, and a signed certificate is what an attacker would be after.
    /// </summary>
    private X509Certificate2 Signed(X509Certificate2 cert, string deviceId, string via)
    {
        audit.Record("fleet-ca", CertificateSignedAction, deviceId, $"serial {cert.SerialNumber}, via {via}, valid until {cert.NotAfter.ToUniversalTime():u}");
        return cert;
    }

    private EnrolmentException Refused(int status, string deviceId, string reason, string logged = "")
    {
        log.LogWarning("refused enrolment of {Device}: {Reason}{Detail}", deviceId, reason, logged);
        return new EnrolmentException(status, reason);
    }
}

/// <summary>What an operator asks for: a bundle (default) or a one-time code.</summary>
public sealed record EnrolRequest(string DeviceId, IReadOnlyDictionary<string, string>? Tags, bool Code, int? TtlSeconds,
    IReadOnlyList<string>? Seeds, string? ApiUrl);

public sealed record EnrolmentCodeView(string DeviceId, string Code, DateTimeOffset ExpiresAt);

/// <summary>An enrolment request the cloud refuses: an HTTP status and a one-line reason.</summary>
public sealed class EnrolmentException(int status, string message) : Exception(message)
{
    public int Status { get; } = status;
}
