using System.Collections.Concurrent;
using Akka.Actor;
using Akka.Cluster.Tools.PublishSubscribe;
using Fleet.Shared.Devices;
using Fleet.Shared.Cluster;

namespace Fleet.Cloud.Devices;

/// <summary>
/// This node's copy of every device's registry view, kept current by the views registry entities publish when they
/// change (registration, connectivity, revocation, a persisted sign of life). Listing the fleet (the rollout coordinator
/// every tick, <c>kill status</c> on every poll) reads it instead of asking every entity; only a device this node has
/// no view of, or a view older than <see cref="RefreshAfter"/> (a missed publication), is asked for again.
/// </summary>
public sealed class DeviceIndex
{
    public const string Topic = "fleet-device-views";
    public static readonly TimeSpan RefreshAfter = TimeSpan.FromMinutes(2);

    private readonly ConcurrentDictionary<string, (DeviceReplies.DeviceView View, long At)> _views = new(StringComparer.Ordinal);

    public DeviceIndex(ActorSystem system) => system.ActorOf(Props.Create(() => new Subscriber(this)), ActorNames.Cloud.DeviceIndex);

    /// <summary>The view of <paramref name="deviceId"/> if this node has a fresh one.</summary>
    public DeviceReplies.DeviceView? Fresh(string deviceId) =>
        _views.TryGetValue(deviceId, out var v) && Environment.TickCount64 - v.At < (long)RefreshAfter.TotalMilliseconds ? v.View : null;

    /// <summary>Every registered device this node has a view of, fresh or not (metrics count them at scrape time).</summary>
    public IEnumerable<DeviceReplies.DeviceView> Views => _views.Values.Select(v => v.View).Where(v => v.Facts is not null);

    public void Update(DeviceReplies.DeviceView view) => _views[view.DeviceId] = (view, Environment.TickCount64);

    private sealed class Subscriber : ReceiveActor
    {
        public Subscriber(DeviceIndex index)
        {
            Receive<DeviceReplies.DeviceView>(index.Update);
            Receive<SubscribeAck>(_ => { });
        }

        protected override void PreStart() => DistributedPubSub.Get(Context.System).Mediator.Tell(new Subscribe(Topic, Self));
    }
}
