namespace Fleet.Edge.Telemetry;

/// <summary>How the device folds, keeps and uploads telemetry.</summary>
public sealed record TelemetrySettings
{
    /// <summary>Cohort rows with fewer distinct users than this are suppressed before upload.</summary>
    public int K { get; init; } = 5;
    /// <summary>A minute is sealed this long after it ended, so late events of the minute still land in it.</summary>
    public TimeSpan SealGrace { get; init; } = TimeSpan.FromSeconds(2);
    public TimeSpan SealInterval { get; init; } = TimeSpan.FromSeconds(5);
    /// <summary>
    /// Also seal the minute still in progress on every tick (several batches per minute, merged in the cloud): for
    /// tests and demos that should not wait for the minute to end.
    /// </summary>
    public bool SealPartialMinutes { get; init; }
    public TimeSpan SampleInterval { get; init; } = TimeSpan.FromSeconds(15);
    /// <summary>Byte cap of the outbox; see <see cref="OutboxCap"/> for the drop policy.</summary>
    public long OutboxCapBytes { get; init; } = 16 * 1024 * 1024;
    /// <summary>Upload bandwidth: sustained bytes per second and the burst allowed after idle time.</summary>
    public int UploadBytesPerSecond { get; init; } = 4096;
    public int UploadBurstBytes { get; init; } = 64 * 1024;
    public TimeSpan AckTimeout { get; init; } = TimeSpan.FromSeconds(5);
    public TimeSpan UploadPoll { get; init; } = TimeSpan.FromSeconds(1);
}
