using Fleet.Shared.Devices;
using Fleet.Shared.Serialization;
using static Fleet.Shared.Devices.DeviceCommands;

namespace Fleet.Cloud.Devices;

/// <summary>
/// One device's registry record and the pure rules that change it: commands in, (reply, events) out. The actor only
/// persists the events and applies them, so every rule here is testable without actors.
/// </summary>
public sealed record DeviceState(string DeviceId)
{
    /// <summary>Last-seen is live in memory; it is written to the journal at most this often.</summary>
    public static readonly TimeSpan SeenPersistInterval = TimeSpan.FromMinutes(1);

    public DeviceFacts? Facts { get; init; }
    public DateTimeOffset? RegisteredAt { get; init; }
    public DateTimeOffset? LastSeen { get; init; }
    public DateTimeOffset? LastSeenPersisted { get; init; }
    public Connectivity Connectivity { get; init; } = Connectivity.Offline;
    public string? Address { get; init; }

    public bool IsRegistered => Facts is not null;

    public (object Reply, IReadOnlyList<IFleetEvent> Events) Handle(Register cmd, DateTimeOffset now)
    {
        if (Facts is { } known && known.InstallationId != cmd.Facts.InstallationId)
        {
            var reason = $"device id '{DeviceId}' is already registered by another installation (host {known.Hostname}); " +
                         "give this device its own --device-id";
            return (new DeviceReplies.Refused(DeviceId, reason),
                new IFleetEvent[] { new DeviceEvents.DuplicateRefused(cmd.Facts.InstallationId, cmd.Facts.Hostname, now) });
        }
        IFleetEvent evt = Facts switch
        {
            null => new DeviceEvents.Registered(cmd.Facts, now),
            var f when !f.SameFactsAs(cmd.Facts) => new DeviceEvents.FactsChanged(cmd.Facts, now),
            _ => new DeviceEvents.Seen(now),
        };
        return (new DeviceReplies.Registered(DeviceId, FirstTime: Facts is null), new[] { evt });
    }

    /// <summary>A heartbeat from the registered installation refreshes last-seen; a stale or foreign one is ignored.</summary>
    public IReadOnlyList<IFleetEvent> Handle(Heartbeat hb, DateTimeOffset now)
    {
        if (Facts?.InstallationId != hb.InstallationId) return Array.Empty<IFleetEvent>();
        return LastSeenPersisted is { } p && now - p < SeenPersistInterval
            ? Array.Empty<IFleetEvent>()
            : new IFleetEvent[] { new DeviceEvents.Seen(now) };
    }

    /// <summary>Registration is the source of truth for the address; membership news about an older address is stale.</summary>
    public DeviceState With(ConnectivityChanged change) =>
        change.Address == Address || Address is null
            ? this with { Connectivity = change.State, LastSeen = change.State == Connectivity.Up ? change.At : LastSeen }
            : this;

    public DeviceState Registering(Register cmd) => this with { Address = cmd.Address, Connectivity = Connectivity.Up };

    public DeviceState Touch(DateTimeOffset now) => this with { LastSeen = now };

    public DeviceState Apply(IFleetEvent evt) => evt switch
    {
        DeviceEvents.Registered r => this with { Facts = r.Facts, RegisteredAt = r.At, LastSeen = r.At, LastSeenPersisted = r.At },
        DeviceEvents.FactsChanged f => this with { Facts = f.Facts, LastSeen = f.At, LastSeenPersisted = f.At },
        DeviceEvents.Seen s => this with { LastSeen = Max(LastSeen, s.At), LastSeenPersisted = s.At },
        DeviceEvents.DuplicateRefused => this,
        _ => throw new ArgumentOutOfRangeException(nameof(evt), evt.GetType().Name, "not a device event"),
    };

    public DeviceReplies.DeviceView ToView() => new(DeviceId, Facts, RegisteredAt, LastSeen, Connectivity, Address);

    private static DateTimeOffset Max(DateTimeOffset? a, DateTimeOffset b) => a is { } x && x > b ? x : b;
}
