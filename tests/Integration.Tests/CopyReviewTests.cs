using System.Net;
using Fleet.Shared.Rollouts;
using static Fleet.Shared.Campaigns.CampaignReplies;

namespace Fleet.Integration.Tests;

/// <summary>Human review of a version's copy against a real cloud node: API, roles, audit, persistence, CLI, and the rollout hold.</summary>
[Collection(SecondClusterCollection.Name)]
public sealed class CopyReviewTests
{
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(60);
    private const string Review = "/api/v1/campaigns/summer-sale/versions/1/review";

    [Fact]
    public async Task Decisions_are_recorded_with_who_and_why_refused_for_viewers_and_bad_input_and_survive_a_restart()
    {
        using var tmp = new TempDir();
        var db = await Databases.FreshAsync(Databases.Sqlite, tmp.Path);
        var cloud = await CloudUnderTest.StartAsync(db, tmp.Sub("cloud"));
        try
        {
            // A blocklisted word in one headline: the safety filter's verdict is shown next to it.
            Assert.Equal(HttpStatusCode.Created, (await cloud.PublishAsync(SampleCampaign.CopyTo(tmp.Sub("c"),
                s => s["rules"]!["blocklist"] = new System.Text.Json.Nodes.JsonArray("beach")))).Status);
            var fresh = (await cloud.GetAsync(Review)).As<ReviewView>();
            Assert.False(fresh.Approved);
            Assert.All(fresh.Variants, v => Assert.Equal("unreviewed", v.State));
            Assert.Contains(fresh.Variants, v => v.Locale == "de");
            Assert.Contains("blocklisted:beach", fresh.Variants.Single(v => v.Id == "h-beach-ready").Safety);
            Assert.Empty(fresh.Variants.Single(v => v.Id == "c-shop-now").Safety);

            var viewer = await cloud.TokenAsync("viewer");
            Assert.Equal(HttpStatusCode.OK, (await cloud.GetAsync(Review, viewer)).Status);
            var denied = await cloud.PostJsonAsync(Review, new { variant = "c-shop-now", decision = "approve" }, viewer);
            Assert.Equal(HttpStatusCode.Forbidden, denied.Status);

            var noReason = await cloud.PostJsonAsync(Review, new { variant = "h-beach-ready", decision = "reject", reason = " " });
            Assert.Equal((HttpStatusCode.BadRequest, "a rejection needs a reason (--reason)"), (noReason.Status, noReason.Error));
            var unknown = await cloud.PostJsonAsync(Review, new { variant = "h-nope", decision = "approve" });
            Assert.Equal((HttpStatusCode.NotFound, "campaign 'summer-sale' v1 has no copy variant 'h-nope'"), (unknown.Status, unknown.Error));
            Assert.Equal(HttpStatusCode.NotFound, (await cloud.GetAsync("/api/v1/campaigns/summer-sale/versions/9/review")).Status);
            Assert.Equal(HttpStatusCode.NotFound, (await cloud.GetAsync("/api/v1/campaigns/nope/versions/1/review")).Status);

            var op = await cloud.TokenAsync("operator");
            Assert.Equal(HttpStatusCode.OK, (await cloud.PostJsonAsync(Review, new { variant = "h-beach-ready", decision = "reject", reason = "blocklisted word" }, op)).Status);
            var approved = await cloud.PostJsonAsync(Review, new { variant = "c-shop-now", decision = "approve", reason = "on brand" }, op);
            Assert.Equal("approved", approved.As<ReviewView>().Variants.Single(v => v.Id == "c-shop-now").State);
            Assert.All((await cloud.GetAsync(Review)).As<ReviewView>().Variants.Where(v => v.Id is not ("h-beach-ready" or "c-shop-now")),
                v => Assert.Equal("unreviewed", v.State));

            var audit = (await cloud.GetAsync("/api/v1/audit")).Json.EnumerateArray().Select(e => e.GetProperty("detail").GetString()).ToList();
            Assert.Contains(audit, d => d!.Contains("variant h-beach-ready rejected by") && d.Contains("(operator): blocklisted word"));
        }
        finally { await cloud.DisposeAsync(); }

        await using var again = await CloudUnderTest.StartAsync(db, tmp.Sub("cloud"));
        var after = await Eventually.Until(async () => await again.GetAsync(Review), a => a.Status == HttpStatusCode.OK, Within, "review after restart");
        var rejected = after.As<ReviewView>().Variants.Single(v => v.Id == "h-beach-ready");
        Assert.Equal(("rejected", "operator", "blocklisted word"), (rejected.State, rejected.Role, rejected.Why));
        Assert.Equal("approved", after.As<ReviewView>().Variants.Single(v => v.Id == "c-shop-now").State);
    }

    [Fact]
    public async Task With_review_required_a_rollout_holds_at_stage_1_until_every_variant_is_approved_through_the_cli()
    {
        using var tmp = new TempDir();
        await using var cloud = await CloudUnderTest.StartAsync(await Databases.FreshAsync(Databases.Sqlite, tmp.Path), tmp.Sub("cloud"),
            configure: o => o with { RequireReview = true });
        Assert.Equal(HttpStatusCode.Created, (await cloud.PublishAsync(SampleCampaign.CopyTo(tmp.Sub("v1")))).Status);
        Assert.Equal(HttpStatusCode.Created, (await ApiCalls.SendAsync(cloud.Options.HttpUrl, HttpMethod.Post, "/api/v1/campaigns?staged=true",
            CloudUnderTest.AdminTokenValue, Fleet.Cloud.Cli.CampaignFolder.Multipart(SampleCampaign.CopyTo(tmp.Sub("v2"), s => s["default_copy"]!["headline"] = "New")))).Status);
        var started = await cloud.PostJsonAsync("/api/v1/rollouts", new { artifact = "campaign:summer-sale@2", stages = new[] { 50.0, 100.0 }, bake = "1s", reason = "new copy" });
        Assert.Equal(HttpStatusCode.Created, started.Status);
        var id = started.As<RolloutView>().Id;

        var held = await Eventually.Until(async () => (await cloud.GetAsync($"/api/v1/rollouts/{id}")).As<RolloutView>(),
            v => v.Verdict?.Contains("copy review") == true, Within, "the rollout held by the copy review");
        Assert.Equal((RolloutStatus.Running, 0), (held.Status, held.Stage));
        Assert.Contains("fleet-cloud campaign review summer-sale 2", held.Verdict);
        var promote = await cloud.PostJsonAsync($"/api/v1/rollouts/{id}/promote", new { reason = "skip review" });
        Assert.Equal(HttpStatusCode.Conflict, promote.Status);
        Assert.Contains("copy review", promote.Error);

        async Task<(int Code, string Out)> Cli(params string[] args)
        {
            using var p = FleetProcess.Cloud([.. args, "--api", cloud.Options.HttpUrl, "--token", CloudUnderTest.AdminTokenValue]);
            var code = await p.WaitForExitAsync(TimeSpan.FromSeconds(60));
            return (code, string.Join('\n', p.Lines));
        }
        var (code, output) = await Cli("campaign", "review", "summer-sale", "2");
        Assert.Equal(3, code);
        Assert.Contains("not approved", output);
        (code, output) = await Cli("campaign", "review", "summer-sale", "2", "--reject", "h-rainy");
        Assert.Equal((2, true), (code, output.Contains("--reject needs --reason")));
        var variants = (await cloud.GetAsync("/api/v1/campaigns/summer-sale/versions/2/review")).As<ReviewView>().Variants;
        foreach (var v in variants.Skip(1))
            Assert.Equal(HttpStatusCode.OK, (await cloud.PostJsonAsync("/api/v1/campaigns/summer-sale/versions/2/review", new { variant = v.Id, decision = "approve" })).Status);
        (code, _) = await Cli("campaign", "review", "summer-sale", "2", "--json");
        Assert.Equal(3, code);
        (code, output) = await Cli("campaign", "review", "summer-sale", "2", "--approve", variants[0].Id, "--reason", "checked");
        Assert.Equal((0, true), (code, output.Contains("every variant approved")));

        await Eventually.Until(async () => (await cloud.GetAsync($"/api/v1/rollouts/{id}")).As<RolloutView>(),
            v => v.Verdict?.Contains("copy review") == false, Within, "the hold lifted");
        var promoted = await cloud.PostJsonAsync($"/api/v1/rollouts/{id}/promote", new { reason = "reviewed" });
        Assert.Equal(HttpStatusCode.OK, promoted.Status);
        Assert.Equal(1, promoted.As<RolloutView>().Stage);
    }
}
