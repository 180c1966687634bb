using Akka.TestKit;
using Akka.TestKit.Xunit2;
using Fleet.Edge.KillSwitch;
using Fleet.Edge.Personalisation;
using Fleet.Edge.Rendering;
using Fleet.Shared.KillSwitch;
using Fleet.Shared.Rendering;
using Fleet.TestSupport;
using static Fleet.Edge.Rendering.RenderProtocol;

namespace Fleet.Edge.Node.Tests.Rendering;

/// <summary>
/// The render coordinator with its real stage actors (model, espeak-ng, ffmpeg); the policy actor is a test probe, so a
/// test holds renders at the policy gate for as long as it needs them in flight, then releases, kills or starves them.
/// </summary>
public sealed class RenderCoordinatorSpec(SampleCampaignFixture sample) : TestKit, IClassFixture<SampleCampaignFixture>
{
    // Renders on a loaded test machine take seconds; the waits bound a hang, they measure nothing.
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(90);
    private static readonly RenderContext Coffee = new() { Daypart = "morning", Interests = ["coffee"], Fields = new Dictionary<string, string> { ["price"] = "$4" } };

    private (Akka.Actor.IActorRef Render, TestProbe Policy, string Data) Start(TimeSpan? deadline = null)
    {
        var data = sample.NewDir("coordinator");
        var policy = CreateTestProbe();
        var settings = new RenderSettings { DataDir = data, Deadline = deadline ?? Wait };
        return (Sys.ActorOf(RenderCoordinator.Props(settings, policy.Ref, new PersonaliseSettings(data))), policy, data);
    }

    private RenderAd Ad(string data, string name) => new(sample.Campaign, Coffee, Path.Combine(data, name), "Start summer mornings right", "Shop now");

    private static PolicyMessages.Verdict Clear => new(null, 1);

    [Fact]
    public void Two_identical_requests_in_flight_together_are_rendered_once()
    {
        var (render, policy, data) = Start();
        render.Tell(Ad(data, "a.mp4"), TestActor);
        render.Tell(Ad(data, "b.mp4"), TestActor);
        // Both held at the gate, then released together: both look up the cache before either has filled it.
        var first = policy.ExpectMsg<PolicyMessages.Check>(Wait);
        var firstAsker = policy.LastSender;
        policy.ExpectMsg<PolicyMessages.Check>(Wait);
        policy.Reply(Clear);
        firstAsker.Tell(Clear, policy.Ref);

        var outcomes = new[] { ExpectMsg<RenderOutcome>(Wait), ExpectMsg<RenderOutcome>(Wait) };
        Assert.All(outcomes, o => Assert.True(o.Success, o.Error));
        Assert.Equal(1, outcomes.Count(o => !o.CacheHit));
        Assert.Equal(File.ReadAllBytes(outcomes[0].OutputPath), File.ReadAllBytes(outcomes[1].OutputPath));
        Assert.Equal(sample.Campaign.Spec.Id, first.Artifacts.CampaignId);
    }

    [Fact]
    public void A_kill_that_covers_a_render_in_flight_stops_it_and_the_static_creative_plays()
    {
        var (render, policy, data) = Start();
        var ad = Ad(data, "killed.mp4");
        render.Tell(ad, TestActor);
        policy.ExpectMsg<PolicyMessages.Check>(Wait); // in flight, waiting at the gate

        var kill = new KillDirective("kill-7", 2, KillScope.Parse($"campaign:{sample.Campaign.Spec.Id}"), "bad copy", "sre", DateTimeOffset.UtcNow);
        Sys.EventStream.Publish(new PolicyMessages.KillEnforced(new KillPolicy(2, [kill], DateTimeOffset.UtcNow), [kill]));

        var o = ExpectMsg<RenderOutcome>(Wait);
        Assert.Equal("static-creative", o.Path);
        Assert.Contains(RenderFallback.KilledInFlight("kill-7").ToString(), o.Fallbacks);
        Assert.Equal(File.ReadAllBytes(sample.Campaign.StaticCreativePath), File.ReadAllBytes(ad.OutputPath));
    }

    [Fact]
    public void A_kill_of_another_campaign_leaves_the_render_to_finish()
    {
        var (render, policy, data) = Start();
        render.Tell(Ad(data, "kept.mp4"), TestActor);
        policy.ExpectMsg<PolicyMessages.Check>(Wait);
        var other = new KillDirective("kill-8", 2, KillScope.Parse("campaign:winter-sale"), "bad copy", "sre", DateTimeOffset.UtcNow);
        Sys.EventStream.Publish(new PolicyMessages.KillEnforced(new KillPolicy(2, [other], DateTimeOffset.UtcNow), [other]));
        // The coordinator answers in mailbox order: once this comes back it has dealt with the kill.
        render.Tell(PersonaliseProtocol.GetProvider.Instance, TestActor);
        ExpectMsg<PersonaliseProtocol.ProviderStatus>(Wait);
        policy.Reply(Clear);

        var o = ExpectMsg<RenderOutcome>(Wait);
        Assert.True(o.Success, o.Error);
        Assert.NotEqual("static-creative", o.Path);
        Assert.DoesNotContain(o.Fallbacks, f => f.Contains("kill-8", StringComparison.Ordinal));
    }

    [Fact]
    public void A_render_past_its_deadline_is_answered_with_the_static_creative_and_the_reason()
    {
        var deadline = TimeSpan.FromSeconds(1);
        var (render, policy, data) = Start(deadline);
        var ad = Ad(data, "late.mp4");
        render.Tell(ad, TestActor);
        policy.ExpectMsg<PolicyMessages.Check>(Wait); // and never answered

        var o = ExpectMsg<RenderOutcome>(Wait);
        Assert.True(o.Success, o.Error);
        Assert.Equal("static-creative", o.Path);
        Assert.Contains(RenderFallback.OverDeadline(deadline).ToString(), o.Fallbacks);
        Assert.Equal(File.ReadAllBytes(sample.Campaign.StaticCreativePath), File.ReadAllBytes(ad.OutputPath));
    }
}
