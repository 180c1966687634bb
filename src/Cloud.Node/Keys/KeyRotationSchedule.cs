using Akka.Actor;
using Akka.Event;
using Fleet.Cloud.Audit;
using Fleet.Shared.Campaigns;
using Fleet.Shared.Security;

namespace Fleet.Cloud.Keys;

/// <summary>
/// The signing keys' schedule, on every control node. <c>--rotate-every</c>: the ring rotates once its active key is
/// that old. <c>--retire-after</c>: a superseded key leaves the trust set once <see cref="KeyRetirement"/> says every
/// device holds its successor. The ring decides both under the database's lock, so of several nodes one acts and the
/// others only reload; the acting node announces it and has the campaign store send the new trust to devices.
/// </summary>
public sealed class KeyRotationSchedule : ReceiveActor, IWithTimers
{
    public ITimerScheduler Timers { get; set; } = null!;

    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly SigningKeyRing _ring;
    private readonly IActorRef _campaignStore;
    private readonly CloudAudit _audit;
    private bool _reading;

    public KeyRotationSchedule(SigningKeyRing ring, TimeSpan every, KeyRetirement.Policy retirement,
        Func<CancellationToken, Task<TrustStatus.View>> readStatus, IActorRef campaignStore, CloudAudit audit)
    {
        _ring = ring;
        _campaignStore = campaignStore;
        _audit = audit;
        // Checked often enough that a key is never much older than asked, rarely enough to cost nothing.
        var shortest = retirement.RetireAfter is { } r && r < every ? r : every;
        Timers.StartPeriodicTimer("check", Check.Instance, TimeSpan.FromTicks(Math.Clamp(shortest.Ticks / 20, TimeSpan.FromSeconds(1).Ticks, TimeSpan.FromHours(1).Ticks)));
        Receive<Check>(_ =>
        {
            if (Guarded("scheduled key rotation", () => ring.RotateIfOlderThan(every)) is { } kid)
                Changed($"signing key rotated on schedule (--rotate-every {every}): {kid} is active", "keys.rotated", kid,
                    $"the active key reached {every} (--rotate-every)");
            // The fleet's trust status costs an ask per device index; it is read only once an old key is old enough.
            if (_reading || !ring.Superseded().Any(k => k.SupersededAt + retirement.RetireAfter <= DateTimeOffset.UtcNow)) return;
            _reading = true;
            readStatus(CancellationToken.None).PipeTo(Self, failure: e => new Status.Failure(e));
        });
        Receive<TrustStatus.View>(status =>
        {
            _reading = false;
            foreach (var old in status.OldKeys.Where(k => k.Due))
                if (Guarded("key retirement", () => ring.Retire(old.Kid) ? old.Kid : null) is { } retired)
                    Changed($"signing key {retired} retired: every device holds its successor", "keys.retired", retired,
                        $"superseded {old.SupersededAt:u}; every device confirmed the successor or was written off (--retire-after, --write-off-after)");
        });
        Receive<Status.Failure>(f =>
        {
            _reading = false;
            _log.Warning("old signing keys not checked for retirement: {0}", f.Cause.Message.Split('\n')[0]);
        });
    }

    public static Props Props(SigningKeyRing ring, TimeSpan every, KeyRetirement.Policy retirement,
        Func<CancellationToken, Task<TrustStatus.View>> readStatus, IActorRef campaignStore, CloudAudit audit) =>
        Akka.Actor.Props.Create(() => new KeyRotationSchedule(ring, every, retirement, readStatus, campaignStore, audit));

    private string? Guarded(string what, Func<string?> change)
    {
        try { return change(); }
        catch (Exception e) when (e is Shared.Cli.FleetException or System.Data.Common.DbException or InvalidOperationException or TimeoutException)
        {
            _log.Warning("{0} not checked: {1}", what, e.Message.Split('\n')[0]);
            return null;
        }
    }

    private void Changed(string line, string action, string kid, string why)
    {
        _log.Info(line);
        _audit.Record("schedule", action, kid, why);
        ControlPlaneSync.Announce(Context.System, _ring);
        _campaignStore.Tell(CampaignCommands.TrustChanged.Instance);
    }

    private sealed class Check
    {
        public static readonly Check Instance = new();
    }
}
