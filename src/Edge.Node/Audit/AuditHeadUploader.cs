using System.Security.Cryptography.X509Certificates;
using Akka.Actor;
using Akka.Event;
using Fleet.Edge.Hosting;
using Fleet.Shared.Audit;
using Fleet.Shared.Devices;

namespace Fleet.Edge.Audit;

/// <summary>When the device uploads its signed audit chain head: after a burst of entries, or a while after any new one.</summary>
public sealed record AuditUploadSettings
{
    /// <summary>New entries since the last head the cloud kept that make an upload due at the next tick.</summary>
    public int EveryEntries { get; init; } = 100;
    /// <summary>The longest a new entry waits before a head covering it is uploaded.</summary>
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromMinutes(10);
    /// <summary>How often the head is looked at: at most one upload per tick.</summary>
    public TimeSpan Tick { get; init; } = TimeSpan.FromSeconds(5);
    /// <summary>An unanswered upload is sent again (the cloud keeps a repeat once) after this long.</summary>
    public TimeSpan AckTimeout { get; init; } = TimeSpan.FromSeconds(30);
}

/// <summary>
/// Child of the gateway link: signs the audit log's head (entry count and head hash) with the device certificate's key
/// and hands it to the link to send, one at a time, until the cloud answers. Uploads only a head that moved, at once
/// after each registration, then after <see cref="AuditUploadSettings.EveryEntries"/> entries or
/// <see cref="AuditUploadSettings.MaxDelay"/>. Uploading writes no audit entry (that would feed itself).
/// </summary>
public sealed class AuditHeadUploader : ReceiveActor, IWithTimers
{
    private readonly AuditLog _log;
    private readonly X509Certificate2 _certificate;
    private readonly string _deviceId;
    private readonly AuditUploadSettings _settings;
    private long _kept;
    private long _refused;
    private SignedAuditHead? _inFlight;
    private DateTime _sentAt;
    private DateTime? _pendingSince;
    private bool _linkUp;

    public AuditHeadUploader(AuditLog log, X509Certificate2 certificate, string deviceId, AuditUploadSettings settings)
    {
        (_log, _certificate, _deviceId, _settings) = (log, certificate, deviceId, settings);
        Receive<LinkUp>(_ => { _linkUp = true; _inFlight = null; Consider(force: true); });
        Receive<LinkDown>(_ => { _linkUp = false; _inFlight = null; });
        Receive<Tick>(_ => Consider(force: false));
        Receive<DeviceReplies.AuditHeadAnswer>(a =>
        {
            if (_inFlight is null || a.Seq != _inFlight.Seq) return;
            _inFlight = null;
            if (a.Accepted) { (_kept, _pendingSince) = (Math.Max(_kept, a.Seq), null); return; }
            _refused = a.Seq; // not sent again: the next entry makes a new head
            AgentLog.Write($"the cloud refused audit head seq {a.Seq}: {a.Reason}");
        });
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(AuditLog log, X509Certificate2 certificate, string deviceId, AuditUploadSettings settings) =>
        Akka.Actor.Props.Create(() => new AuditHeadUploader(log, certificate, deviceId, settings));

    protected override void PreStart() => Timers.StartPeriodicTimer(Tick.Instance, Tick.Instance, _settings.Tick);

    private void Consider(bool force)
    {
        if (!_linkUp) return;
        var head = _log.Head;
        if (head.Seq == 0 || head.Seq <= _kept || head.Seq == _refused) { _pendingSince = null; return; }
        var now = DateTime.UtcNow;
        _pendingSince ??= now;
        var retry = _inFlight is not null;
        if (retry && now - _sentAt < _settings.AckTimeout) return;
        if (!force && !retry && head.Seq - _kept < _settings.EveryEntries && now - _pendingSince < _settings.MaxDelay) return;
        _inFlight = SignedAuditHead.Sign(_certificate, _deviceId, head);
        _sentAt = now;
        Context.Parent.Tell(_inFlight);
    }

    /// <summary>The link registered (again): upload the current head at once.</summary>
    public sealed class LinkUp
    {
        public static readonly LinkUp Instance = new();
    }

    /// <summary>The stream is gone: nothing can be sent until the next registration.</summary>
    public sealed class LinkDown
    {
        public static readonly LinkDown Instance = new();
    }

    private sealed class Tick : IDeadLetterSuppression
    {
        public static readonly Tick Instance = new();
    }
}
