using System.Collections.Immutable;
using Fleet.Shared.Telemetry;

namespace Fleet.Cloud.Telemetry;

/// <summary>The telemetry ingest's <see cref="TelemetryStore"/> to and from its stored snapshot.</summary>
public static class TelemetrySnapshots
{
    public static TelemetrySnapshot Of(TelemetryStore store) => new(store.Devices.OrderBy(d => d.Key, StringComparer.Ordinal)
        .Select(d => new TelemetrySnapshot.Device(d.Key, d.Value.Seqs.Contiguous, d.Value.Seqs.Above.ToList(), d.Value.Tags, d.Value.Cohort,
            d.Value.Windows.Select(w => new TelemetrySnapshot.Window(w.Start, w.Minutes, w.Cohort, w.Groups, w.Resources)).ToList(), d.Value.DroppedRenders,
            d.Value.QuarantinedAssets))
        .ToList());

    public static TelemetryStore Restore(TelemetrySnapshot s) => TelemetryStore.Empty with
    {
        Devices = TelemetryStore.Empty.Devices.SetItems(s.Devices.Select(d => KeyValuePair.Create(d.DeviceId, new DeviceTelemetry(
            new SeqWatermark(d.Contiguous, d.Above.ToImmutableSortedSet()), d.Tags, d.Cohort,
            d.Windows.Select(w => new Window(w.Start, w.Minutes, w.Cohort, w.Groups, w.Resources)).ToImmutableList(), d.DroppedRenders, d.QuarantinedAssets)))),
    };

    /// <summary>True when the store already counts this batch (its seq is recorded): applying it again would count it twice.</summary>
    public static bool Holds(TelemetryStore store, TelemetryEvents.BatchAccepted e) =>
        store.Devices.TryGetValue(e.DeviceId, out var d) && d.Seqs.Has(e.Seq);
}
