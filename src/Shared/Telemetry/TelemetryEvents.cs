using Fleet.Shared.Serialization;

namespace Fleet.Shared.Telemetry;

/// <summary>Persisted events of the cloud telemetry service.</summary>
public static class TelemetryEvents
{
    /// <summary>A device batch the cloud accepted (first time for its seqs); replays are never persisted again.</summary>
    [PersistedAs("telemetry-batch-accepted.v1")]
    public sealed record BatchAccepted(
        string DeviceId,
        long Seq,
        IReadOnlyList<long> Covers,
        IReadOnlyDictionary<string, string> Tags,
        string Cohort,
        TelemetryAggregate? Aggregate,
        long DroppedRenders,
        DateTimeOffset At) : IFleetEvent;
}
