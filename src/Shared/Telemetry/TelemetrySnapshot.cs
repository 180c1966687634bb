using Fleet.Shared.Serialization;

namespace Fleet.Shared.Telemetry;

/// <summary>
/// The telemetry ingest's store in a snapshot: per device its sequence marks, tags, cohort and the windows inside the
/// retention. Batches older than the retention are gone from it, and from the journal once it is saved.
/// </summary>
[PersistedAs("telemetry-snapshot.v1")]
public sealed record TelemetrySnapshot(IReadOnlyList<TelemetrySnapshot.Device> Devices) : IFleetEvent
{
    /// <param name="Contiguous">Every seq up to this one was accepted.</param>
    /// <param name="Above">Seqs accepted above <paramref name="Contiguous"/>.</param>
    public sealed record Device(string DeviceId, long Contiguous, IReadOnlyList<long> Above, IReadOnlyDictionary<string, string> Tags, string Cohort,
        IReadOnlyList<Window> Windows, long DroppedRenders, long QuarantinedAssets);

    /// <param name="Resources">Absent in snapshots written before resource readings were kept.</param>
    public sealed record Window(DateTimeOffset Start, int Minutes, string Cohort, IReadOnlyList<GroupAggregate> Groups, ResourceSummary? Resources = null);
}
