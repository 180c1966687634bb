using Akka.Actor;
using Akka.Event;
using Fleet.Cloud.Audit;
using Fleet.Shared.Distribution;
using Fleet.Shared.Security;

namespace Fleet.Cloud.Keys;

/// <summary>
/// <c>--rotate-every</c>: on every control node a timer asks the ring to rotate once its active key is that old. The
/// ring decides under the database's lock, so one node rotates and the others only reload; the rotating node announces
/// it and has the campaign store send the new trust to devices, as <c>keys rotate</c> does.
/// </summary>
public sealed class KeyRotationSchedule : ReceiveActor, IWithTimers
{
    public ITimerScheduler Timers { get; set; } = null!;

    public KeyRotationSchedule(SigningKeyRing ring, TimeSpan every, IActorRef campaignStore, CloudAudit audit)
    {
        var log = Context.GetLogger();
        // Checked often enough that a key is never much older than asked, rarely enough to cost nothing.
        var check = TimeSpan.FromTicks(Math.Clamp(every.Ticks / 20, TimeSpan.FromSeconds(1).Ticks, TimeSpan.FromHours(1).Ticks));
        Timers.StartPeriodicTimer("check", Check.Instance, check);
        Receive<Check>(_ =>
        {
            string? kid;
            try { kid = ring.RotateIfOlderThan(every); }
            catch (Exception e) when (e is Shared.Cli.FleetException or System.Data.Common.DbException or InvalidOperationException or TimeoutException)
            {
                log.Warning("scheduled key rotation not checked: {0}", e.Message.Split('\n')[0]);
                return;
            }
            if (kid is null) return;
            log.Info("signing key rotated on schedule (--rotate-every {0}): {1} is active", every, kid);
            audit.Record("schedule", "keys.rotated", kid, $"the active key reached {every} (--rotate-every)");
            ControlPlaneSync.Announce(Context.System, ring);
            campaignStore.Tell(CampaignCommands.TrustChanged.Instance);
        });
    }

    public static Props Props(SigningKeyRing ring, TimeSpan every, IActorRef campaignStore, CloudAudit audit) =>
        Akka.Actor.Props.Create(() => new KeyRotationSchedule(ring, every, campaignStore, audit));

    private sealed class Check
    {
        public static readonly Check Instance = new();
    }
}
