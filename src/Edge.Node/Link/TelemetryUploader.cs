using Akka.Actor;
using Akka.Event;
using Fleet.Edge.Hosting;
using Fleet.Edge.Telemetry;
using Fleet.Shared.Telemetry;

namespace Fleet.Edge.Link;

/// <summary>
/// Child of the link: uploads outbox entries to the cloud telemetry ingest, one at a time, newest first, within a
/// byte budget (token bucket). An entry is deleted only when the cloud acknowledges its seq; an unanswered upload is
/// sent again after the ack timeout (the cloud ignores replays), so a crash on either side loses and doubles nothing.
/// </summary>
public sealed class TelemetryUploader : ReceiveActor, IWithTimers
{
    private static readonly TimeSpan RejectedBackoff = TimeSpan.FromSeconds(30);

    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly TelemetryUplink _uplink;
    private readonly string _deviceId;
    private readonly IReadOnlyDictionary<string, string> _tags;
    private double _tokens;
    private DateTime _refilledAt = DateTime.UtcNow;
    private (long Seq, long Bytes)? _inFlight;
    private DateTime _pausedUntil = DateTime.MinValue;

    public TelemetryUploader(TelemetryUplink uplink, string deviceId, IReadOnlyDictionary<string, string> tags)
    {
        _uplink = uplink;
        _deviceId = deviceId;
        _tags = tags;
        _tokens = uplink.Settings.UploadBurstBytes;

        Receive<Poll>(_ => TrySend());
        Receive<TelemetryProtocol.Ack>(a =>
        {
            if (_inFlight?.Seq != a.Seq) return; // a late ack of an earlier attempt: that entry is already gone or resent
            _uplink.Outbox.Acknowledge(a.Seq);
            EdgeMetrics.Uploaded(_inFlight.Value.Bytes);
            _inFlight = null;
            Timers.Cancel(AckTimeout.Instance);
            TrySend();
        });
        Receive<TelemetryProtocol.Rejected>(r =>
        {
            AgentLog.Write($"telemetry batch seq {r.Seq} rejected by the cloud: {r.Reason}; retrying in {RejectedBackoff.TotalSeconds:0}s");
            _inFlight = null;
            _pausedUntil = DateTime.UtcNow + RejectedBackoff;
        });
        Receive<AckTimeout>(_ =>
        {
            _log.Info("telemetry seq {0} not acknowledged within {1}; sending again", _inFlight?.Seq, _uplink.Settings.AckTimeout);
            _inFlight = null;
            TrySend();
        });
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(TelemetryUplink uplink, string deviceId, IReadOnlyDictionary<string, string> tags) =>
        Akka.Actor.Props.Create(() => new TelemetryUploader(uplink, deviceId, tags));

    protected override void PreStart() => Timers.StartPeriodicTimer(Poll.Instance, Poll.Instance, _uplink.Settings.UploadPoll);

    private void TrySend()
    {
        if (_inFlight is not null || DateTime.UtcNow < _pausedUntil) return;
        var s = _uplink.Settings;
        var now = DateTime.UtcNow;
        _tokens = Math.Min(s.UploadBurstBytes, _tokens + (now - _refilledAt).TotalSeconds * s.UploadBytesPerSecond);
        _refilledAt = now;
        var entry = _uplink.Outbox.Newest();
        if (entry is null) return;
        // An entry larger than the burst goes out once the bucket is full, so nothing is stuck forever.
        if (_tokens < Math.Min(entry.Bytes, s.UploadBurstBytes)) return;
        _tokens -= entry.Bytes;
        _uplink.Outbox.MarkSent(entry.Seq);
        _uplink.Ingest.Tell(entry.ToBatch(_deviceId, _tags), Self);
        _inFlight = (entry.Seq, entry.Bytes);
        Timers.StartSingleTimer(AckTimeout.Instance, AckTimeout.Instance, s.AckTimeout);
    }

    private sealed class Poll : IDeadLetterSuppression
    {
        public static readonly Poll Instance = new();
    }

    private sealed class AckTimeout : IDeadLetterSuppression
    {
        public static readonly AckTimeout Instance = new();
    }
}

/// <summary>What the link needs to upload telemetry: the outbox, the cloud ingest (singleton proxy) and the limits.</summary>
public sealed record TelemetryUplink(Outbox Outbox, IActorRef Ingest, TelemetrySettings Settings);
