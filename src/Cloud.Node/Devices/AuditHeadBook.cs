using Fleet.Shared.Devices;
using Fleet.Shared.Serialization;
using static Fleet.Shared.Devices.DeviceReplies;

namespace Fleet.Cloud.Devices;

/// <summary>
/// The signed audit chain heads a device uploaded, and the pure rule for the next one: a head may repeat (same count,
/// same hash) or arrive late, but never contradict what the device signed before. The same count with another hash, or
/// a lower count signed after a higher one, means the device's log was rewritten (or cut): refused, and kept as a rewrite.
/// </summary>
public sealed record AuditHeadBook
{
    /// <summary>
    /// Heads kept per device (the newest). A device uploads about six per hour, so this is three to four days of heads;
    /// older ones leave the journal with the events a snapshot covers.
    /// </summary>
    public const int Limit = 500;

    public static readonly AuditHeadBook Empty = new();

    public IReadOnlyList<KeptAuditHead> Heads { get; init; } = [];
    public IReadOnlyList<AuditRewrite> Rewrites { get; init; } = [];

    /// <param name="verified">The head as kept, when its signature and certificate checked out; null with <paramref name="refusal"/>.</param>
    public (AuditHeadAnswer Reply, IReadOnlyList<IFleetEvent> Events) Offer(DeviceCommands.SubmitAuditHead cmd, KeptAuditHead? verified, string? refusal, DateTimeOffset now)
    {
        var (deviceId, seq, hash) = (cmd.DeviceId, cmd.Head.Seq, cmd.Head.Hash);
        if (verified is null) return (new AuditHeadAnswer(deviceId, seq, hash, false, "refused: " + (refusal ?? "not verified")), []);
        if (Heads.FirstOrDefault(h => h.Seq == verified.Seq) is { } same)
            return same.Hash == verified.Hash
                ? (new AuditHeadAnswer(deviceId, seq, hash, true, null), [])
                : Rewritten(deviceId, verified, same.Hash, $"seq {verified.Seq} was signed earlier with hash {same.Hash[..12]}…, now with {verified.Hash[..12]}…: the chain was rewritten", now);
        if (Heads.Count > 0 && Heads[^1] is var newest && verified.Seq < newest.Seq && verified.At > newest.At)
            return Rewritten(deviceId, verified, null,
                $"seq {verified.Seq} signed at {verified.At:u} is below seq {newest.Seq} signed at {newest.At:u}: the chain went backwards (cut or rewritten)", now);
        return (new AuditHeadAnswer(deviceId, seq, hash, true, null), [new DeviceEvents.AuditHeadKept(verified)]);
    }

    public AuditHeadBook Apply(IFleetEvent e) => e switch
    {
        DeviceEvents.AuditHeadKept k => this with { Heads = Heads.Append(k.Head).OrderBy(h => h.Seq).TakeLast(Limit).ToList() },
        DeviceEvents.AuditRewriteCaught r => this with { Rewrites = Rewrites.Append(r.Rewrite).ToList() },
        _ => this,
    };

    private static (AuditHeadAnswer, IReadOnlyList<IFleetEvent>) Rewritten(string deviceId, KeptAuditHead offered, string? kept, string reason, DateTimeOffset now) =>
        (new AuditHeadAnswer(deviceId, offered.Seq, offered.Hash, false, "refused: " + reason),
            [new DeviceEvents.AuditRewriteCaught(new AuditRewrite(offered.Seq, offered.Hash, kept, reason, now))]);
}
