using Akka.Actor;
using Akka.Hosting;
using Fleet.Cloud.Api;
using Fleet.Shared.Audit;
using Fleet.Shared.Devices;
using Fleet.Shared.Tokens;

namespace Fleet.Cloud.Audit;

/// <summary>
/// HTTP: <c>GET /api/v1/devices/{id}/audit</c>: the signed audit chain heads a device uploaded, each signature checked
/// again now against the key it was kept with, and every rewrite the registry caught.
/// </summary>
public static class DeviceAuditEndpoints
{
    /// <summary>One kept head as shown: <see cref="SignatureValid"/> is checked on every read, not remembered.</summary>
    public sealed record HeadView(long Seq, string Hash, DateTimeOffset At, DateTimeOffset ReceivedAt, string CertificateSerial, bool SignatureValid);

    /// <summary><see cref="Verified"/>: every head's signature holds and no rewrite was caught.</summary>
    public sealed record DeviceAuditView(string DeviceId, bool Verified, IReadOnlyList<HeadView> Heads, IReadOnlyList<DeviceReplies.AuditRewrite> Rewrites)
    {
        /// <summary>The heads whose signature holds, for checking a copy of the device's log against.</summary>
        public IReadOnlyList<AuditHead> TrustedHeads() => Heads.Where(h => h.SignatureValid).Select(h => new AuditHead(h.Seq, h.Hash, h.At)).ToList();
    }

    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(5);

    public static void MapDeviceAudit(this RouteGroupBuilder api) =>
        api.MapGet("/devices/{id}/audit", async (DeviceId id, IRequiredActor<DeviceRegion> region, CancellationToken ct) =>
        {
            var heads = await (await region.GetAsync(ct)).Ask<DeviceReplies.AuditHeads>(new DeviceCommands.GetAuditHeads(id.Value), AskTimeout, ct);
            return heads.Heads.Count == 0 && heads.Rewrites.Count == 0
                ? ApiResults.NotFound($"device '{id}' has uploaded no audit head")
                : ApiResults.Ok(View(heads));
        })
        .RequireRole(TokenRoles.Viewer).WithName("getDeviceAudit").WithTags("audit").WithSummary("A device's signed audit heads as uploaded, whether each signature holds, and any rewrites seen")
        .Produces<DeviceAuditView>().Errors(400, 404);

    public static DeviceAuditView View(DeviceReplies.AuditHeads kept)
    {
        var heads = kept.Heads.Select(h => new HeadView(h.Seq, h.Hash, h.At, h.ReceivedAt, h.CertificateSerial,
            SignedAuditHead.VerifyWith(h.PublicKey, kept.DeviceId, h.Seq, h.Hash, h.At, h.Signature))).ToList();
        return new DeviceAuditView(kept.DeviceId, heads.All(h => h.SignatureValid) && kept.Rewrites.Count == 0, heads, kept.Rewrites);
    }
}
