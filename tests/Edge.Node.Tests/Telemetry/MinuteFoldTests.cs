using System.Security.Cryptography;
using System.Text;
using Fleet.Edge.Telemetry;
using Fleet.Shared.Telemetry;

namespace Fleet.Edge.Node.Tests.Telemetry;

public sealed class MinuteFoldTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 28, 9, 30, 0, TimeSpan.Zero);

    private static string Hash(string user) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(user)));

    private static OpenMinute Fold(IEnumerable<RenderEvent> renders) => renders.Aggregate(OpenMinute.For(T0), MinuteFold.Add);

    [Fact]
    public void Renders_fold_into_counts_fallbacks_by_reason_and_a_histogram()
    {
        var renders = Enumerable.Range(1, 91).Select(i => SyntheticTelemetry.Render(i)).ToList();
        var sealedMinute = MinuteFold.Seal(Fold(renders), k: 5);

        var g = Assert.Single(sealedMinute.Groups);
        Assert.Equal(91, g.Renders);
        Assert.Equal(renders.Count(r => r.Success), g.Successes);
        Assert.Equal(renders.Count(r => r.Fallbacks.Count > 0), g.FallbackRenders);
        Assert.Equal(renders.SelectMany(r => r.Fallbacks).GroupBy(f => f).ToDictionary(x => x.Key, x => (long)x.Count()), g.Fallbacks);
        Assert.Equal(renders.Count(r => r.CacheHit), g.CacheHits);
        Assert.Equal(renders.Count(r => !r.CacheHit), g.RenderMs.Count);
        Assert.Equal(renders.Sum(r => r.SafetyBlocks), g.SafetyBlocks);
        Assert.Equal(91, g.Encoders["libx264"]);
        Assert.Equal(renders.Sum(r => r.StageMs["speech"]), g.StageMsSum["speech"], 6);
    }

    [Fact]
    public void Quarantined_assets_are_counted_in_the_sealed_minute_and_summed_by_roll_ups()
    {
        var m = MinuteFold.AddQuarantined(MinuteFold.AddQuarantined(Fold([SyntheticTelemetry.Render(1)])));
        var sealedMinute = MinuteFold.Seal(m, k: 5);
        Assert.Equal(2, sealedMinute.QuarantinedAssets);
        Assert.Equal(3, TelemetryAggregate.Merge([sealedMinute, MinuteFold.Seal(MinuteFold.AddQuarantined(OpenMinute.For(T0)), 5)], T0, 60).QuarantinedAssets);
    }

    [Theory]
    [InlineData(5, 4, true)]
    [InlineData(5, 5, false)]
    [InlineData(2, 2, false)]
    [InlineData(3, 2, true)]
    public void A_variant_row_from_fewer_than_k_distinct_users_is_suppressed(int k, int users, bool suppressed)
    {
        var m = OpenMinute.For(T0);
        var key = GroupKey.CampaignOnly("summer-sale");
        for (var i = 0; i < users * 3; i++)
            m = MinuteFold.Add(m, new Interaction("summer-sale", "h1", InteractionKind.Impression, Hash($"user-{i % users}")), key);
        m = MinuteFold.Add(m, new Interaction("summer-sale", "anonymous", InteractionKind.Impression, null), key);

        var a = MinuteFold.Seal(m, k);
        var g = Assert.Single(a.Groups);
        Assert.Equal(suppressed, g.Variants.All(v => v.VariantId != "h1"));
        Assert.Equal(suppressed ? 1 : 0, a.SuppressedRows);
        Assert.Equal(suppressed ? null : users, g.DistinctUsers);
        Assert.Contains(g.Variants, v => v.VariantId == "anonymous" && v.Impressions == 1); // no user, nobody to re-identify
    }

    [Fact]
    public void Raw_identifiers_and_free_text_never_reach_an_aggregate()
    {
        const string email = "alice@example.com";
        var e = SyntheticTelemetry.Render(1, userHash: email) with
        {
            CampaignId = email, HeadlineVariantId = "Buy now, Alice!", Fallbacks = ["call +49 170 1234567"], ModelVersion = email,
        };
        var m = MinuteFold.Add(OpenMinute.For(T0), e);
        var json = System.Text.Json.JsonSerializer.Serialize(m, Fleet.Shared.Serialization.FleetJson.Options)
                   + System.Text.Json.JsonSerializer.Serialize(MinuteFold.Seal(m, 1), Fleet.Shared.Serialization.FleetJson.Options);

        Assert.DoesNotContain("alice", json);
        Assert.DoesNotContain("1234567", json);
        Assert.DoesNotContain("Buy now", json);
        Assert.Empty(m.Groups.Values.Single().Users); // an e-mail is not a salted hash: dropped, not counted
        Assert.Equal(TelemetryText.Invalid, m.Groups.Values.Single().Key.CampaignId);
    }

    [Fact]
    public void A_cache_hit_is_counted_but_not_timed_so_render_times_stay_those_of_renders_that_ran()
    {
        var rendered = SyntheticTelemetry.Render(1) with { TotalMs = 400, CacheHit = false };
        var replays = Enumerable.Range(0, 9).Select(_ => rendered with { TotalMs = 2, CacheHit = true });
        var g = Assert.Single(MinuteFold.Seal(Fold(replays.Prepend(rendered)), k: 5).Groups);
        Assert.Equal((10L, 9L), (g.Renders, g.CacheHits));
        Assert.Equal(1, g.RenderMs.Count);
        Assert.InRange(g.RenderMs.Quantile(0.5)!.Value, 380, 420);
    }

    [Fact]
    public void Hour_roll_up_keeps_every_count()
    {
        var minutes = Enumerable.Range(0, 5).Select(i => MinuteFold.Seal(Fold(Enumerable.Range(i * 10, 10).Select(j => SyntheticTelemetry.Render(j))), 5)).ToList();
        var hour = TelemetryAggregate.Merge(minutes, T0, 60);
        Assert.Equal(50, hour.Renders);
        Assert.Equal(minutes.Sum(m => m.Groups.Sum(g => g.Successes)), hour.Groups.Sum(g => g.Successes));
        Assert.Equal(Enumerable.Range(0, 50).Count(j => !SyntheticTelemetry.Render(j).CacheHit), hour.Groups.Sum(g => g.RenderMs.Count));
    }
}
