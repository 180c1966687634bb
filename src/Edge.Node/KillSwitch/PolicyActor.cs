using Akka.Actor;
using Fleet.Edge.Hosting;
using Fleet.Shared.Audit;
using Fleet.Shared.KillSwitch;
using static Fleet.Edge.KillSwitch.PolicyMessages;

namespace Fleet.Edge.KillSwitch;

/// <summary>
/// The device's kill-switch state: verifies each signed policy, applies it only if its epoch is newer, persists it,
/// tells the render pipeline to stop what it kills, and acknowledges to the cloud (via the sender, the link). Every
/// render asks it first.
/// </summary>
public sealed class PolicyActor : ReceiveActor, IWithTimers
{
    public const string Name = "policy";

    private readonly PolicyStore _store;
    private readonly string _deviceId;
    private readonly IActorRef? _audit;
    private readonly List<(IActorRef Who, Func<object> Reply)> _waiting = new();
    private Shared.Security.TrustSet? _trust;
    private KillPolicy _policy;
    private bool _syncedThisSession;

    public PolicyActor(string dataDir, string deviceId, IActorRef? audit = null)
    {
        _deviceId = deviceId;
        _audit = audit;
        _store = new PolicyStore(dataDir);
        _trust = _store.LoadTrust();
        _policy = _store.Load(_trust);

        Receive<SignedKillPolicy>(OnPolicy);
        Receive<Check>(c =>
        {
            object Answer() => new Verdict(_policy.Blocking(c.Artifacts), _policy.Epoch);
            if (_syncedThisSession || c.MaxSyncWait <= TimeSpan.Zero) Sender.Tell(Answer());
            else Wait(Sender, Answer, c.MaxSyncWait);
        });
        Receive<GetPolicy>(_ => Sender.Tell(_policy));
        Receive<SyncTimeout>(t =>
        {
            // Offline: answer with the last enforced policy rather than not at all.
            var i = _waiting.FindIndex(x => x.Who.Equals(t.Waiter));
            if (i >= 0) { t.Waiter.Tell(_waiting[i].Reply()); _waiting.RemoveAt(i); }
        });
    }

    private void Wait(IActorRef who, Func<object> reply, TimeSpan max)
    {
        _waiting.Add((who, reply));
        Timers.StartSingleTimer(who, new SyncTimeout(who), max);
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(string dataDir, string deviceId, IActorRef? audit = null) =>
        Akka.Actor.Props.Create(() => new PolicyActor(dataDir, deviceId, audit));

    private void OnPolicy(SignedKillPolicy signed)
    {
        if (_trust is null)
        {
            _store.PinTrust(signed.TrustSetJson);
            _trust = _store.LoadTrust();
        }
        var verified = PolicyVerifier.Verify(signed.EnvelopeJson, _trust!);
        if (verified.Policy is not { } policy)
        {
            AgentLog.Write(verified.Error!);
            return;
        }
        if (policy.Epoch > _policy.Epoch)
        {
            var before = _policy.Active.Select(d => d.Id).ToHashSet();
            _store.Save(signed.EnvelopeJson);
            _policy = policy;
            var newly = policy.Active.Where(d => !before.Contains(d.Id)).ToList();
            Context.System.EventStream.Publish(new KillEnforced(policy, newly));
            foreach (var d in newly)
            {
                AgentLog.Write($"kill-switch epoch {policy.Epoch}: enforcing {d.Id} ({d.Scope}): {d.Reason}");
                _audit?.Tell(new AuditCommands.Record("kill-switch", "kill-enforced", d.Scope.ToString(), $"{d.Id} epoch {policy.Epoch}: {d.Reason}"));
            }
        }
        _syncedThisSession = true;
        foreach (var (who, reply) in _waiting) { who.Tell(reply()); Timers.Cancel(who); }
        _waiting.Clear();
        // Acknowledge the epoch now enforced, also for a repeat: the cloud may have missed the first ack.
        Sender.Tell(new KillCommands.Ack(_deviceId, _policy.Epoch, DateTimeOffset.UtcNow));
    }

    private sealed record SyncTimeout(IActorRef Waiter);
}
