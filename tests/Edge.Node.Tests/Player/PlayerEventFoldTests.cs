using Fleet.Edge.Player;
using Fleet.Edge.Telemetry;
using Fleet.Shared.Telemetry;

namespace Fleet.Edge.Node.Tests.Player;

public sealed class PlayerEventFoldTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 4, 9, 0, 0, TimeSpan.Zero);

    private static PlayerOutcome Events(ShownRender r, long dwell = 0, params string[] kinds)
    {
        var counted = new List<string>();
        foreach (var k in kinds) counted.AddRange(PlayerEventKinds.NewlyCounted(counted, k));
        return new PlayerOutcome(r, counted, dwell, T0);
    }

    [Fact]
    public void Player_events_fill_the_exact_variants_and_both_arms_of_the_render_group()
    {
        var personalised = RenderLedgerTests.Shown("r1", T0);
        var other = RenderLedgerTests.Shown("r2", T0) with { CampaignVersion = "4", HeadlineId = "h-evening" };
        var held = RenderLedgerTests.Shown("r3", T0, ArmCounts.Holdout);
        var m = OpenMinute.For(T0);
        m = MinuteFold.Add(m, Events(personalised, 1200, PlayerEventKinds.Complete, PlayerEventKinds.Click, PlayerEventKinds.Dwell));
        m = MinuteFold.Add(m, Events(other, 0, PlayerEventKinds.Q50));
        m = MinuteFold.Add(m, Events(held, 0, PlayerEventKinds.Q25));
        var sealedMinute = MinuteFold.Seal(m, k: 5);

        var v3 = Assert.Single(sealedMinute.Groups, g => g.CampaignVersion == "3");
        Assert.Equal(("summer-sale", "3", "minilm@2", "summer-sale-tpl"), v3.Key);
        var h = Assert.Single(v3.Variants, v => v.VariantId == "h-half-price");
        Assert.Equal((1L, 1L, 1L, 1200L), (h.Impressions, h.Clicks, h.Completes, h.DwellMsSum));
        Assert.Contains(v3.Variants, v => v.VariantId == "c-shop-now" && v.Completes == 1);
        Assert.DoesNotContain(v3.Variants, v => v.VariantId == "h-evening");
        Assert.Equal([new ArmCounts(ArmCounts.Personalised, 1, 1, 1, 1, 1, 1, 1200), new ArmCounts(ArmCounts.Holdout, 1, 1, 0, 0, 0, 0, 0)], v3.Arms);
        Assert.All(v3.Arms!, a => Assert.Null(a.Malformed()));

        var v4 = Assert.Single(sealedMinute.Groups, g => g.CampaignVersion == "4");
        Assert.Contains(v4.Variants, v => v.VariantId == "h-evening" && v.Impressions == 1 && v.Completes == 0);
        Assert.Equal(new ArmCounts(ArmCounts.Personalised, 1, 1, 1, 0, 0, 0, 0), Assert.Single(v4.Arms!));
    }

    [Fact]
    public void A_late_event_whose_impression_was_sealed_earlier_never_makes_a_row_the_cloud_refuses()
    {
        var r = RenderLedgerTests.Shown("r1", T0);
        var late = new PlayerOutcome(r, [PlayerEventKinds.Click], 0, T0);
        var arm = Assert.Single(MinuteFold.Seal(MinuteFold.Add(OpenMinute.For(T0), late), 5).Groups).Arms!.Single();
        Assert.Null(arm.Malformed());
        Assert.Equal(0, arm.Clicks);
    }

    [Fact]
    public void Arm_rows_of_fewer_than_k_identified_users_are_suppressed_like_variant_rows()
    {
        var m = OpenMinute.For(T0);
        for (var u = 0; u < 2; u++)
            m = MinuteFold.Add(m, Events(RenderLedgerTests.Shown($"r{u}", T0) with { UserHash = new string((char)('a' + u), 64) }, 0, PlayerEventKinds.Click));
        var few = Assert.Single(MinuteFold.Seal(m, k: 3).Groups);
        Assert.Null(few.Arms);
        Assert.Empty(few.Variants);
        Assert.Equal(1 + 2 + 2, MinuteFold.Seal(m, k: 3).SuppressedRows); // the arm row, the headline and CTA rows, and their learning rows

        m = MinuteFold.Add(m, Events(RenderLedgerTests.Shown("r9", T0) with { UserHash = new string('c', 64) }, 0, PlayerEventKinds.Click));
        Assert.Equal(3, Assert.Single(Assert.Single(MinuteFold.Seal(m, k: 3).Groups).Arms!).Impressions);
    }
}
