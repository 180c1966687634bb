using System.Collections.Concurrent;
using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Tools.PublishSubscribe;
using Akka.Persistence.Query;
using Akka.Persistence.Sql.Query;
using Akka.Streams;
using Akka.Streams.Dsl;
using Fleet.Shared.Cluster;
using Fleet.Shared.Devices;

namespace Fleet.Cloud.Devices;

/// <summary>
/// Which device ids exist, without reading every persistence id in the journal on each listing (the rollout coordinator
/// lists the fleet every second, <c>kill status --watch</c> on every poll). The journal is read once and again every
/// <see cref="RereadAfter"/> as a safety net; in between, every device that registers (through a gateway, or as a
/// development member) is added from the registry's notice, and every device member as it joins.
/// </summary>
public sealed class KnownDevices
{
    public static readonly TimeSpan RereadAfter = TimeSpan.FromMinutes(5);
    private const string PersistencePrefix = "device-";

    private readonly ActorSystem _system;
    private readonly ConcurrentDictionary<string, byte> _ids = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _reading = new(1, 1);
    /// <summary>When the journal was last read (<see cref="Environment.TickCount64"/>); read and written across threads.</summary>
    private long _readAt = long.MinValue;

    public KnownDevices(ActorSystem system)
    {
        _system = system;
        // Watching starts before the first read, so a device joining during that read is not missed either.
        system.ActorOf(Props.Create(() => new MemberWatcher(this)), ActorNames.Cloud.KnownDevices);
    }

    public async Task<IReadOnlyCollection<string>> IdsAsync(CancellationToken ct)
    {
        if (Due())
        {
            await _reading.WaitAsync(ct);
            try
            {
                if (Due())
                {
                    var startedAt = Environment.TickCount64;
                    foreach (var id in await ReadJournalAsync()) Saw(id);
                    Interlocked.Exchange(ref _readAt, startedAt);
                }
            }
            finally { _reading.Release(); }
        }
        return _ids.Keys.ToList();
    }

    private bool Due() => Interlocked.Read(ref _readAt) is var at && (at == long.MinValue || Environment.TickCount64 - at >= (long)RereadAfter.TotalMilliseconds);

    private void Saw(string deviceId) => _ids.TryAdd(deviceId, 0);

    private async Task<IEnumerable<string>> ReadJournalAsync()
    {
        var journal = PersistenceQuery.Get(_system).ReadJournalFor<SqlReadJournal>(SqlReadJournal.Identifier);
        return await journal.CurrentPersistenceIds()
            .Where(id => id.StartsWith(PersistencePrefix, StringComparison.Ordinal))
            .Select(id => id[PersistencePrefix.Length..])
            .RunWith(Sink.Seq<string>(), _system.Materializer());
    }

    /// <summary>Adds every device that registers, and the device id (its <c>device-ID</c> role) of every development member that joins.</summary>
    private sealed class MemberWatcher : ReceiveActor
    {
        public MemberWatcher(KnownDevices known)
        {
            Receive<RegistrationNotice>(n => { if (DeviceId.IsValid(n.DeviceId)) known.Saw(n.DeviceId); });
            Receive<SubscribeAck>(_ => { });
            Receive<ClusterEvent.IMemberEvent>(e =>
            {
                if (FleetCluster.DeviceIdOf(e.Member.Roles) is { } id && DeviceId.IsValid(id)) known.Saw(id);
            });
        }

        protected override void PreStart()
        {
            DistributedPubSub.Get(Context.System).Mediator.Tell(new Subscribe(RegistrationNotice.Topic, Self));
            Cluster.Get(Context.System).Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents,
                typeof(ClusterEvent.MemberJoined), typeof(ClusterEvent.MemberWeaklyUp), typeof(ClusterEvent.MemberUp));
        }

        protected override void PostStop() => Cluster.Get(Context.System).Unsubscribe(Self);
    }
}
