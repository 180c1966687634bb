using System.Collections.Immutable;
using Fleet.Shared.KillSwitch;
using Fleet.Shared.Serialization;
using static Fleet.Shared.KillSwitch.KillCommands;

namespace Fleet.Cloud.KillSwitch;

/// <summary>
/// The fleet's kill state and its rules: every engage or release raises the epoch by one; acknowledgements only move
/// forward. Pure: the authority actor persists what this decides.
/// </summary>
public sealed record KillSwitchState
{
    public long Epoch { get; init; }
    public ImmutableList<KillRecord> Kills { get; init; } = ImmutableList<KillRecord>.Empty;
    public ImmutableDictionary<string, DeviceAck> Acks { get; init; } = ImmutableDictionary<string, DeviceAck>.Empty;

    public IEnumerable<KillRecord> ActiveKills => Kills.Where(k => k.ReleasedAt is null);

    public (Result Result, IReadOnlyList<IFleetEvent> Events) Handle(Engage cmd, DateTimeOffset now)
    {
        if (string.IsNullOrWhiteSpace(cmd.Reason)) return Fail("a reason is required");
        if (ActiveKills.FirstOrDefault(k => k.Directive.Scope == cmd.Scope) is { } existing)
            return Fail($"{cmd.Scope} is already killed by {existing.Directive.Id}");
        var directive = new KillDirective($"kill-{Kills.Count + 1}", Epoch + 1, cmd.Scope, cmd.Reason.Trim(), cmd.IssuedBy, now);
        return (new Result(directive, directive.Epoch, null), new IFleetEvent[] { new KillEvents.Engaged(directive) });
    }

    public (Result Result, IReadOnlyList<IFleetEvent> Events) Handle(Release cmd, DateTimeOffset now)
    {
        if (string.IsNullOrWhiteSpace(cmd.Reason)) return Fail("a reason is required");
        var record = Kills.FirstOrDefault(k => k.Directive.Id == cmd.Id);
        if (record is null) return Fail($"no kill {cmd.Id}");
        if (record.ReleasedAt is not null) return Fail($"{cmd.Id} was already released at {record.ReleasedAt:u}");
        var evt = new KillEvents.Released(cmd.Id, Epoch + 1, cmd.IssuedBy, cmd.Reason.Trim(), now);
        return (new Result(record.Directive, evt.Epoch, null), new IFleetEvent[] { evt });
    }

    /// <summary>Only a confirmation of a newer epoch (that exists) is recorded (null: repeats and stale acks change nothing).</summary>
    public KillEvents.Acked? Handle(Ack ack, DateTimeOffset now) =>
        ack.Epoch <= Epoch && (!Acks.TryGetValue(ack.DeviceId, out var known) || ack.Epoch > known.Epoch)
            ? new KillEvents.Acked(ack.DeviceId, ack.Epoch, now)
            : null;

    public KillSwitchState Apply(IFleetEvent evt) => evt switch
    {
        KillEvents.Engaged e => this with
        {
            Epoch = e.Directive.Epoch,
            Kills = Kills.Add(new KillRecord(e.Directive, null, null, null, null)),
        },
        KillEvents.Released r => this with
        {
            Epoch = r.Epoch,
            Kills = Kills.Select(k => k.Directive.Id == r.Id ? k with { ReleasedAt = r.At, ReleasedBy = r.By, ReleaseReason = r.Reason, ReleaseEpoch = r.Epoch } : k)
                .ToImmutableList(),
        },
        KillEvents.Acked a => WithAcks([a]),
        KillEvents.AckedBatch b => WithAcks(b.Acks),
        _ => throw new ArgumentOutOfRangeException(nameof(evt), evt.GetType().Name, "not a kill-switch event"),
    };

    /// <summary>The later of one device's two acks in a batch wins.</summary>
    private KillSwitchState WithAcks(IEnumerable<KillEvents.Acked> acks) =>
        this with { Acks = Acks.SetItems(acks.Select(a => KeyValuePair.Create(a.DeviceId, new DeviceAck(a.Epoch, a.At)))) };

    public KillPolicy Policy(DateTimeOffset now) => new(Epoch, ActiveKills.Select(k => k.Directive).ToList(), now);

    public KillSwitchSnapshot ToSnapshot() => new(Epoch, Kills, Acks);

    public static KillSwitchState FromSnapshot(KillSwitchSnapshot s) =>
        new() { Epoch = s.Epoch, Kills = s.Kills.ToImmutableList(), Acks = s.Acks.ToImmutableDictionary() };

    public State ToView() => new(Epoch, Kills, Acks);

    private static (Result, IReadOnlyList<IFleetEvent>) Fail(string error) => (new Result(null, 0, error), Array.Empty<IFleetEvent>());
}
