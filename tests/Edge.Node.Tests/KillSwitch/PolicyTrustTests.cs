using System.Text;
using System.Text.Json;
using Akka.Actor;
using Akka.TestKit.Xunit2;
using Fleet.Edge.KillSwitch;
using Fleet.Shared.KillSwitch;
using Fleet.Shared.Security;
using Fleet.Shared.Security.Pki;
using Fleet.Shared.Serialization;

namespace Fleet.Edge.Node.Tests.KillSwitch;

/// <summary>
/// An enrolled device's policy actor takes trust only from updates its pinned CA signed, applies them before the policy
/// they come with, and refuses epoch jumps past the bound.
/// </summary>
public sealed class PolicyTrustTests : TestKit
{
    private readonly string _dir = Directory.CreateTempSubdirectory("fleet-policy-trust-").FullName;
    private readonly FleetCa _ca;
    private readonly SigningKeyRing _ring;

    public PolicyTrustTests()
    {
        _ca = FleetCa.Create(Path.Combine(_dir, "ca", FleetCa.KeyFile));
        _ring = SigningKeyRing.OpenOrCreate(Path.Combine(_dir, "keys"));
    }

    private SignedKillPolicy Policy(long epoch, SigningKeyRing? signer = null, string? update = null)
    {
        var policy = new KillPolicy(epoch, new[]
        {
            new KillDirective($"kill-{epoch}", epoch, KillScope.Parse("campaign:summer-sale"), "bad copy", "sre", DateTimeOffset.UtcNow),
        }, DateTimeOffset.UtcNow);
        var ring = signer ?? _ring;
        return new SignedKillPolicy(ring.Sign(JsonSerializer.SerializeToUtf8Bytes(policy, FleetJson.Options)).ToJson(), epoch,
            Encoding.UTF8.GetString(ring.ExportTrustSetJson()), update ?? new TrustUpdateIssuer(_ring, _ca).Current());
    }

    private long Enforced(Akka.Actor.IActorRef actor) => actor.Ask<KillPolicy>(PolicyMessages.GetPolicy.Instance, TimeSpan.FromSeconds(3)).Result.Epoch;

    [Fact]
    public void After_a_rotation_the_next_policy_verifies_with_the_new_key()
    {
        var actor = Sys.ActorOf(PolicyActor.Props(Path.Combine(_dir, "device"), "kiosk-1", root: _ca.Certificate));
        actor.Tell(Policy(1), TestActor);
        Assert.Equal(1, ExpectMsg<KillCommands.Ack>().Epoch);
        _ring.Rotate();
        actor.Tell(Policy(2), TestActor);
        Assert.Equal(2, ExpectMsg<KillCommands.Ack>().Epoch);
    }

    [Fact]
    public void A_bare_trust_set_or_one_signed_by_another_ca_is_never_adopted()
    {
        var actor = Sys.ActorOf(PolicyActor.Props(Path.Combine(_dir, "device"), "kiosk-1", root: _ca.Certificate));
        actor.Tell(Policy(1), TestActor);
        ExpectMsg<KillCommands.Ack>();
        // An attacker's key with its own bare trust set, then with a trust update from another CA: both refused.
        var attacker = SigningKeyRing.OpenOrCreate(Path.Combine(_dir, "attacker"));
        using var otherCa = FleetCa.Create(Path.Combine(_dir, "other-ca", FleetCa.KeyFile));
        actor.Tell(Policy(2, attacker, update: ""), TestActor);
        actor.Tell(Policy(3, attacker, update: new TrustUpdateIssuer(attacker, otherCa).Current()), TestActor);
        ExpectNoMsg(TimeSpan.FromMilliseconds(300));
        Assert.Equal(1, Enforced(actor));
    }

    [Fact]
    public void A_replayed_older_update_does_not_bring_a_revoked_key_back()
    {
        var actor = Sys.ActorOf(PolicyActor.Props(Path.Combine(_dir, "device"), "kiosk-1", root: _ca.Certificate));
        var oldUpdate = new TrustUpdateIssuer(_ring, _ca).Current();
        var old = SigningKeyRing.OpenOrCreate(Path.Combine(_dir, "keys")); // the same ring as a leaked copy would be
        var oldKid = _ring.ActiveKid;
        _ring.Rotate();
        _ring.Revoke(oldKid);
        actor.Tell(Policy(1), TestActor);
        ExpectMsg<KillCommands.Ack>();
        // The leaked copy still holds the old private key; with the older (valid, CA-signed) update it is still refused.
        actor.Tell(Policy(2, old, oldUpdate), TestActor);
        ExpectNoMsg(TimeSpan.FromMilliseconds(300));
        Assert.Equal(1, Enforced(actor));
    }

    [Fact]
    public void An_epoch_jump_past_the_bound_is_refused_and_the_enforced_policy_stays()
    {
        var actor = Sys.ActorOf(PolicyActor.Props(Path.Combine(_dir, "device"), "kiosk-1", root: _ca.Certificate));
        actor.Tell(Policy(5), TestActor);
        ExpectMsg<KillCommands.Ack>();
        actor.Tell(Policy(long.MaxValue), TestActor);
        ExpectNoMsg(TimeSpan.FromMilliseconds(300));
        actor.Tell(Policy(5 + PolicyVerifier.MaxEpochJump), TestActor);
        Assert.Equal(5 + PolicyVerifier.MaxEpochJump, ExpectMsg<KillCommands.Ack>().Epoch);
        Assert.Null(PolicyVerifier.EpochJumpRefusal(0, PolicyVerifier.MaxEpochJump));
        Assert.NotNull(PolicyVerifier.EpochJumpRefusal(0, PolicyVerifier.MaxEpochJump + 1));
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        _ca.Dispose();
        try { Directory.Delete(_dir, true); } catch (IOException) { }
    }
}
