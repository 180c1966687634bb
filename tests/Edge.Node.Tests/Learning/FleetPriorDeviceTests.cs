using System.Text.Json;
using Fleet.Edge.Manifests;
using Fleet.Edge.Node.Tests.Personalisation;
using Fleet.Edge.Node.Tests.Player;
using Fleet.Edge.Personalisation.Bandit;
using Fleet.Edge.Personalisation.Copy;
using Fleet.Shared.Personalisation.Embedding;
using Fleet.Edge.Player;
using Fleet.Edge.Privacy;
using Fleet.Edge.Telemetry;
using Fleet.Shared.Learning;
using Fleet.Shared.Security;
using Fleet.Shared.Serialization;
using Fleet.Shared.Telemetry;

namespace Fleet.Edge.Node.Tests.Learning;

/// <summary>
/// The device's side of fleet learning: player events become k-anonymous learning rows for upload (holdout teaches
/// nothing), a signed prior is taken in only when it verifies against the trust set the device holds, and the chooser
/// starts from the prior it holds.
/// </summary>
public sealed class FleetPriorDeviceTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 4, 9, 0, 0, TimeSpan.Zero);
    private readonly string _dir = ModelFixtures.DataDir();

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static PlayerOutcome Events(ShownRender r, params string[] kinds)
    {
        var counted = new List<string>();
        foreach (var k in kinds) counted.AddRange(PlayerEventKinds.NewlyCounted(counted, k));
        return new PlayerOutcome(r, counted, 0, T0);
    }

    [Fact]
    public void Learning_rows_credit_the_exact_headline_and_cta_in_the_render_bucket_and_holdout_teaches_nothing()
    {
        var m = OpenMinute.For(T0);
        m = MinuteFold.Add(m, Events(RenderLedgerTests.Shown("r1", T0), PlayerEventKinds.Complete, PlayerEventKinds.Click));
        m = MinuteFold.Add(m, Events(RenderLedgerTests.Shown("r2", T0) with { HeadlineId = "h-evening", Bucket = "evening|rain|en|-" }, PlayerEventKinds.ImpressionStart));
        m = MinuteFold.Add(m, Events(RenderLedgerTests.Shown("r3", T0, ArmCounts.Holdout), PlayerEventKinds.Complete, PlayerEventKinds.Click));
        m = MinuteFold.Add(m, Events(RenderLedgerTests.Shown("r4", T0) with { Bucket = "not a bucket" }, PlayerEventKinds.Click));

        var g = Assert.Single(MinuteFold.Seal(m, k: 5).Groups);
        Assert.Equal(
        [
            new PriorRow("evening|rain|en|-", "c-shop-now", 1, 0, 0),
            new PriorRow("evening|rain|en|-", "h-evening", 1, 0, 0),
            new PriorRow("morning|sun|en|-", "c-shop-now", 1, 1, 1),
            new PriorRow("morning|sun|en|-", "h-half-price", 1, 1, 1),
        ], g.Learning);
        Assert.All(g.Learning!, r => Assert.Null(r.Malformed()));
        var holdout = g.Arms!.Single(a => a.Arm == ArmCounts.Holdout);
        Assert.Equal((1L, 1L), (holdout.Clicks, holdout.Completes)); // counted for the lift report, not for learning
    }

    [Fact]
    public void Learning_rows_of_fewer_than_k_identified_users_are_suppressed()
    {
        var m = OpenMinute.For(T0);
        for (var u = 0; u < 2; u++)
            m = MinuteFold.Add(m, Events(RenderLedgerTests.Shown($"r{u}", T0) with { UserHash = new string((char)('a' + u), 64) }, PlayerEventKinds.Click));
        Assert.Null(Assert.Single(MinuteFold.Seal(m, k: 3).Groups).Learning);
        m = MinuteFold.Add(m, Events(RenderLedgerTests.Shown("r9", T0) with { UserHash = new string('c', 64) }, PlayerEventKinds.Click));
        Assert.Equal(3, Assert.Single(MinuteFold.Seal(m, k: 3).Groups).Learning!.First().Impressions);
    }

    private SigningKeyRing Ring(string name) => SigningKeyRing.OpenOrCreate(Path.Combine(_dir, name));

    private static byte[] Signed(SigningKeyRing ring, FleetPrior prior) => ring.Sign(JsonSerializer.SerializeToUtf8Bytes(prior, FleetJson.Options)).ToJsonBytes();

    private static FleetPrior Prior(string campaign = "summer-sale", string version = "3", long clicks = 40) =>
        new(campaign, version, T0, 4, [new PriorRow("morning|sun|en|-", "h-half-price", 500, clicks, 200)]);

    [Fact]
    public void A_prior_signed_by_an_unknown_key_or_for_another_version_is_refused_and_the_last_good_one_stays()
    {
        var fleet = Ring("keys");
        var trust = fleet.ExportTrustSet();
        var files = new PriorFiles(_dir);
        var sync = new PriorSync(new HttpClient(), files, TimeProvider.System);

        Assert.IsType<PriorOutcome.Stored>(sync.Take(Signed(fleet, Prior()), trust, "summer-sale", 3, T0));
        Assert.Equal(new VariantStats(500, 40, 200), files.Row("summer-sale", "morning|sun|en|-", "h-half-price"));

        var attacker = Ring("attacker");
        var unknown = Assert.IsType<PriorOutcome.Refused>(sync.Take(Signed(attacker, Prior(clicks: 500)), trust, "summer-sale", 3, T0));
        Assert.Contains("is not in the trust set", unknown.Why);
        var wrong = Assert.IsType<PriorOutcome.Refused>(sync.Take(Signed(fleet, Prior(version: "2", clicks: 500)), trust, "summer-sale", 3, T0));
        Assert.Contains("not 'summer-sale' version 3", wrong.Why);
        var revoked = Assert.IsType<PriorOutcome.Refused>(sync.Take(Signed(fleet, Prior(clicks: 500)), trust.WithRevoked(fleet.ActiveKid), "summer-sale", 3, T0));
        Assert.Contains("revoked", revoked.Why);
        var bad = Prior() with { Rows = [new PriorRow("morning|sun|en|-", "h-half-price", 5, 50)] };
        Assert.IsType<PriorOutcome.Refused>(sync.Take(Signed(fleet, bad), trust, "summer-sale", 3, T0));

        Assert.Equal(new VariantStats(500, 40, 200), files.Row("summer-sale", "morning|sun|en|-", "h-half-price"));
        Assert.Empty(Directory.GetFiles(files.Folder, "*.tmp"));
    }

    [Fact]
    public void A_strong_prior_for_a_variant_in_a_bucket_ranks_it_first_there_without_local_outcomes()
    {
        var campaign = CoffeeCampaign.Spec();
        var bucket = ContextBucket.Of(CoffeeCampaign.Coffee, T0);
        CopyChooser Chooser(PriorFiles? priors) => new(MiniLmEmbedder.For(MiniLmOptions.Default), new OutcomeStore(_dir), new UserIdHasher(_dir),
            new BanditOptions(), new Random(11), priors: priors);

        var before = Enumerable.Range(0, 20).Select(_ => Chooser(new PriorFiles(_dir)).Choose(campaign, "v1", CoffeeCampaign.Coffee, bucket).HeadlineId).ToList();
        Assert.DoesNotContain("h-sandwich", before);

        var files = new PriorFiles(_dir);
        files.Save(new FleetPrior(campaign.Id, "1", T0, 12, [new PriorRow(bucket, "h-sandwich", 500, 250, 400), new PriorRow(bucket, "h-coffee", 500, 2, 20)]));
        var chooser = Chooser(files);
        var picks = Enumerable.Range(0, 20).Select(_ => chooser.Choose(campaign, "v1", CoffeeCampaign.Coffee, bucket).HeadlineId).ToList();
        Assert.True(picks.Count(p => p == "h-sandwich") >= 18, string.Join(",", picks));
        // Another bucket has no prior row: it ranks as before.
        Assert.Equal("h-umbrella", chooser.Choose(campaign, "v1", CoffeeCampaign.Rain, "midday|rain|en|harbour").HeadlineId);
    }
}
