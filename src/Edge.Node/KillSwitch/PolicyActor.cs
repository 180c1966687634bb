using System.Security.Cryptography.X509Certificates;
using Akka.Actor;
using Fleet.Edge.Identity;
using Fleet.Edge.Hosting;
using Fleet.Shared.Audit;
using Fleet.Shared.KillSwitch;
using Fleet.Shared.Tracing;
using static Fleet.Edge.KillSwitch.PolicyMessages;

namespace Fleet.Edge.KillSwitch;

/// <summary>
/// The device's kill-switch state: verifies each signed policy, applies it only if its epoch is newer, persists it,
/// tells the render pipeline to stop what it kills, and acknowledges to the cloud (via the sender, the link). Every
/// render asks it first. The trust update a policy carries is taken (or refused) before the policy is verified, so a
/// policy signed with a just-rotated key verifies.
/// </summary>
public sealed class PolicyActor : ReceiveActor, IWithTimers
{
    private readonly PolicyStore _store;
    private readonly string _deviceId;
    private readonly IActorRef? _audit;
    private readonly List<(IActorRef Who, Func<object> Reply)> _waiting = new();
    private readonly Identity.DeviceTrust _trust;
    private KillPolicy _policy;
    private bool _syncedThisSession;
    // Set once a render waited the whole sync period without a policy arriving: the device is offline, and every later
    // render is answered at once with the last enforced policy instead of waiting again (until a policy arrives).
    private bool _offline;
    private string? _lastRejection;
    /// <summary>The span that enforced the current epoch (when traced): every ack of the epoch names it as its trace parent.</summary>
    private string? _enforcedTrace;

    public PolicyActor(string dataDir, string deviceId, IActorRef? audit = null, X509Certificate2? root = null)
    {
        _deviceId = deviceId;
        _audit = audit;
        _store = new PolicyStore(dataDir);
        _trust = _store.OpenTrust(root);
        _policy = _store.Load(_trust.Set);

        Receive<SignedKillPolicy>(OnPolicy);
        Receive<Check>(c =>
        {
            object Answer() => new Verdict(_policy.Blocking(c.Artifacts), _policy.Epoch);
            if (_syncedThisSession || _offline || c.MaxSyncWait <= TimeSpan.Zero) Sender.Tell(Answer());
            else Wait(Sender, Answer, c.MaxSyncWait);
        });
        Receive<GetPolicy>(_ => Sender.Tell(_policy));
        Receive<SyncTimeout>(t =>
        {
            // Offline: answer with the last enforced policy rather than not at all.
            var i = _waiting.FindIndex(x => x.Who.Equals(t.Waiter));
            if (i >= 0) { t.Waiter.Tell(_waiting[i].Reply()); _waiting.RemoveAt(i); }
            _offline = true;
        });
    }

    private void Wait(IActorRef who, Func<object> reply, TimeSpan max)
    {
        _waiting.Add((who, reply));
        Timers.StartSingleTimer(who, new SyncTimeout(who), max);
    }

    public ITimerScheduler Timers { get; set; } = null!;

    /// <param name="root">The fleet CA pinned at enrolment; null under --insecure-dev (the cloud's first trust set is pinned).</param>
    public static Props Props(string dataDir, string deviceId, IActorRef? audit = null, X509Certificate2? root = null) =>
        Akka.Actor.Props.Create(() => new PolicyActor(dataDir, deviceId, audit, root));

    private void OnPolicy(SignedKillPolicy signed)
    {
        var policy = _policy;
        var error = OfferTrust(signed);
        if (error is null) error = Verify(signed.EnvelopeJson, out policy);
        if (error is not null)
        {
            // The cloud repeats a policy every second: say each refusal once; the last enforced policy stays in force.
            if (error != _lastRejection)
            {
                AgentLog.Write(error);
                _audit?.Tell(new AuditCommands.Record("kill-switch", "policy-refused", $"epoch {signed.Epoch}", error));
            }
            _lastRejection = error;
            return;
        }
        _lastRejection = null;
        if (policy.Epoch > _policy.Epoch)
        {
            using var span = FleetTraces.Edge.Start("kill.enforce", signed.TraceParent)?.SetTag("kill.epoch", policy.Epoch)
                .SetTag("fleet.device_id", _deviceId);
            _enforcedTrace = span.TraceParent();
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
        Sender.Tell(new KillCommands.Ack(_deviceId, _policy.Epoch, DateTimeOffset.UtcNow, _enforcedTrace));
    }

    /// <summary>Takes the trust update first; null, or why no policy can be verified (nothing held to verify with).</summary>
    private string? OfferTrust(SignedKillPolicy signed)
    {
        TrustChange? change;
        try { change = _trust.Offer(signed.TrustUpdateJson, signed.TrustSetJson); }
        catch (Shared.Cli.FleetException e) { change = new TrustChange(false, "trust set refused: " + e.Message); }
        if (change is not null)
        {
            AgentLog.Write("kill-switch: " + change.Line);
            _audit?.Tell(new AuditCommands.Record("kill-switch", change.Adopted ? "trust-adopted" : "trust-refused", $"trust v{_trust.Version}", change.Line));
        }
        return _trust.Set is null ? "kill policy rejected: no trust set held to verify it with" : null;
    }

    /// <summary>Null with the verified policy, or why it is refused (signature, or an epoch jump past the bound).</summary>
    private string? Verify(string envelopeJson, out KillPolicy policy)
    {
        policy = _policy;
        var verified = PolicyVerifier.Verify(envelopeJson, _trust.Set!, DateTimeOffset.UtcNow);
        if (verified.Policy is not { } p) return verified.Error;
        if (PolicyVerifier.EpochJumpRefusal(_policy.Epoch, p.Epoch) is { } jump) return jump;
        policy = p;
        return null;
    }

    private sealed record SyncTimeout(IActorRef Waiter);
}
