using Akka.TestKit.Xunit2;
using Fleet.Edge.KillSwitch;
using Fleet.Shared.KillSwitch;

namespace Fleet.Edge.Node.Tests.KillSwitch;

/// <summary>
/// The policy gate waits for the fleet's policy before the first render of a run, but a device whose cloud never
/// answers must not pay that wait on every render: after one wait in vain it answers with the last enforced policy.
/// </summary>
public sealed class PolicyGateOfflineTests : TestKit, IDisposable
{
    private readonly DirectoryInfo _data = Directory.CreateTempSubdirectory("fleet-policy-offline");

    void IDisposable.Dispose()
    {
        Shutdown();
        _data.Delete(recursive: true);
    }

    [Fact]
    public void After_one_sync_wait_in_vain_later_renders_are_answered_at_once()
    {
        var policy = Sys.ActorOf(PolicyActor.Props(_data.FullName, "kiosk-1"));
        var artifacts = new RenderArtifacts("summer-sale", "minilm@1.0.0", "summer-sale@1");

        policy.Tell(new PolicyMessages.Check(artifacts, TimeSpan.FromMilliseconds(300)), TestActor);
        ExpectNoMsg(TimeSpan.FromMilliseconds(100)); // the first render of the run waits for a policy that never comes …
        Assert.Equal(0, ExpectMsg<PolicyMessages.Verdict>(TimeSpan.FromSeconds(10)).Epoch); // … and then gets the last enforced one

        // A later render would wait a minute if the gate still waited; offline it is answered with the policy it holds.
        policy.Tell(new PolicyMessages.Check(artifacts, TimeSpan.FromMinutes(1)), TestActor);
        Assert.Null(ExpectMsg<PolicyMessages.Verdict>(TimeSpan.FromSeconds(20)).BlockedBy);
    }
}
