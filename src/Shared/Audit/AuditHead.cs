using System.Text.Json;
using Fleet.Shared.Security;
using Fleet.Shared.Serialization;

namespace Fleet.Shared.Audit;

/// <summary>The chain's last entry at a point in time; signed periodically so truncation and rewrites become provable.</summary>
public sealed record AuditHead(long Seq, string Hash, DateTimeOffset At)
{
    public SignedEnvelope Sign(EnvelopeSigner signer) => signer.Sign(JsonSerializer.SerializeToUtf8Bytes(this, FleetJson.Options));

    /// <summary>Checks the signature and decodes the head; null with a reason when it is not acceptable.</summary>
    public static AuditHead? TryVerify(SignedEnvelope envelope, TrustSet trust, out string error)
    {
        var check = EnvelopeVerifier.Verify(envelope, trust);
        if (!check.IsValid) { error = $"{check.Reason}: {check.Message}"; return null; }
        try
        {
            var head = JsonSerializer.Deserialize<AuditHead>(check.Payload!, FleetJson.Options);
            error = head?.Hash is null ? "signed payload is not an audit head" : "";
            return head?.Hash is null ? null : head;
        }
        catch (JsonException e)
        {
            error = "signed payload is not an audit head: " + e.Message;
            return null;
        }
    }
}
