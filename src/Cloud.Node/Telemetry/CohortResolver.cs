using System.Collections.Immutable;
using Akka.Actor;
using Akka.Cluster.Tools.PublishSubscribe;
using Fleet.Shared.Campaigns;

namespace Fleet.Cloud.Telemetry;

/// <summary>Which cohort a device's telemetry counts for when it arrives (<c>canary</c> or <c>baseline</c>).</summary>
public interface ICohortResolver
{
    string CohortOf(string deviceId, IReadOnlyDictionary<string, string> tags);
}

/// <summary>
/// Canary devices are those a running rollout placed in its cohort, as the latest assignment table says (see
/// <see cref="CohortWatcher"/>); every other device is baseline.
/// </summary>
public sealed class CohortResolver : ICohortResolver
{
    public const string Baseline = "baseline";
    public const string Canary = "canary";

    private volatile ImmutableHashSet<string> _canaries = ImmutableHashSet<string>.Empty;

    public string CohortOf(string deviceId, IReadOnlyDictionary<string, string> tags) => _canaries.Contains(deviceId) ? Canary : Baseline;

    public void Follow(AssignmentTable table) =>
        _canaries = table.ActiveOverlays.Where(o => o.Devices is not null).SelectMany(o => o.Devices!).ToImmutableHashSet(StringComparer.Ordinal);
}

/// <summary>Keeps a <see cref="CohortResolver"/> in line with the assignment tables the campaign store publishes.</summary>
public sealed class CohortWatcher : ReceiveActor
{
    public CohortWatcher(CohortResolver resolver)
    {
        Receive<SubscribeAck>(_ => { });
        Receive<AssignmentTable>(resolver.Follow);
    }

    protected override void PreStart() =>
        DistributedPubSub.Get(Context.System).Mediator.Tell(new Subscribe(AssignmentTable.Topic, Self));

    public static Props Props(CohortResolver resolver) => Akka.Actor.Props.Create(() => new CohortWatcher(resolver));
}
