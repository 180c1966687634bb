using System.Net;
using Fleet.Cloud.Cli;
using Fleet.Shared.RenderJobs;

namespace Fleet.Integration.Tests;

/// <summary><c>POST /api/v1/ads/render</c> on a real cloud with a real device: the version in force for that device, modes, and context.</summary>
[Collection(SecondClusterCollection.Name)]
public sealed class RenderContractTests
{
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task The_contract_answers_the_version_in_force_for_the_device_honours_mode_and_refuses_personal_context()
    {
        using var tmp = new TempDir();
        await using var cloud = await CloudUnderTest.StartAsync(await Databases.FreshAsync(Databases.Sqlite, tmp.Path), tmp.Sub("cloud"));
        Assert.Equal(HttpStatusCode.Created, (await cloud.PublishAsync(SampleCampaign.MarkPersonal(SampleCampaign.CopyTo(tmp.Sub("v1"))))).Status);
        await cloud.PostJsonAsync("/api/v1/campaigns/summer-sale/assignments", new { tags = new { } });
        await using var edge = DistributionTests.Start(cloud, tmp.Sub("kiosk"), "kiosk-1", "", 0);
        await DistributionTests.WaitRunningAsync(cloud, "summer-sale", 1, "kiosk-1");
        var token = await cloud.TokenAsync("device", "kiosk-1");
        Task<ApiCalls.Answer> Ask(object body) => cloud.PostJsonAsync("/api/v1/ads/render", body, token);
        async Task<int> VersionAsync() => (await Ask(new { device_id = "kiosk-1", campaign_id = "summer-sale" })).Json.GetProperty("version").GetInt32();

        // A staged version is no device's until a rollout says so: the contract still answers v1.
        var staged = SampleCampaign.MarkPersonal(SampleCampaign.CopyTo(tmp.Sub("v2"), s => s["default_copy"]!["headline"] = "New"));
        Assert.Equal(HttpStatusCode.Created, (await ApiCalls.SendAsync(cloud.Options.HttpUrl, HttpMethod.Post, "/api/v1/campaigns?staged=true",
            CloudUnderTest.AdminTokenValue, CampaignFolder.Multipart(staged))).Status);
        Assert.Equal(1, await VersionAsync());
        // A canary overlay puts this device on v2 …
        Assert.Equal(HttpStatusCode.Created, (await cloud.PostJsonAsync("/api/v1/rollouts",
            new { artifact = "campaign:summer-sale@2", stages = new[] { 100.0 }, bake = "1h", reason = "contract" })).Status);
        await Eventually.Until(VersionAsync, v => v == 2, Within, "the contract answering the canary's v2");
        // … and once the rollout is aborted, v2 is withdrawn and never answered again.
        Assert.Equal(HttpStatusCode.OK, (await cloud.PostJsonAsync("/api/v1/rollouts/r1/abort", new { reason = "contract" })).Status);
        await Eventually.Until(VersionAsync, v => v == 1, Within, "the contract back on v1");

        // Modes: cloud and unknown ones are refused with a reason; hybrid asks for the cloud's base and hands its job token over.
        var cloudMode = await Ask(new { device_id = "kiosk-1", campaign_id = "summer-sale", mode = "cloud" });
        Assert.Equal((HttpStatusCode.BadRequest, true), (cloudMode.Status, cloudMode.Error!.Contains("POST /api/v1/renders/jobs")));
        Assert.Equal(HttpStatusCode.BadRequest, (await Ask(new { device_id = "kiosk-1", campaign_id = "summer-sale", mode = "bogus" })).Status);
        var edgeFirst = await Ask(new { device_id = "kiosk-1", campaign_id = "summer-sale" });
        Assert.Equal(("edge-first", false), (edgeFirst.Json.GetProperty("mode").GetString(), edgeFirst.Json.TryGetProperty("base", out var none) && none.ValueKind != System.Text.Json.JsonValueKind.Null));
        var hybrid = await Ask(new { device_id = "kiosk-1", campaign_id = "summer-sale", mode = "hybrid", resolution = "1080p" });
        Assert.Equal(HttpStatusCode.OK, hybrid.Status);
        var baseJob = hybrid.Json.GetProperty("base");
        Assert.Equal(1080, baseJob.GetProperty("height").GetInt32());
        var jobId = baseJob.GetProperty("job_id").GetString()!;
        var withToken = await ApiCalls.SendAsync(cloud.Options.HttpUrl, HttpMethod.Get,
            $"/api/v1/renders/jobs/{jobId}?token={Uri.EscapeDataString(baseJob.GetProperty("token").GetString()!)}", token);
        Assert.Equal(HttpStatusCode.OK, withToken.Status);
        var job = withToken.As<RenderJobView>();
        Assert.Equal((true, 1, 1080), (job.Spec.Base, job.Spec.CampaignVersion, job.Spec.Height));

        // Context: personal data is refused, never kept; the rest is accepted and not echoed.
        var personal = await Ask(new { device_id = "kiosk-1", campaign_id = "summer-sale", context = new { fields = new { first_name = "Alice" } } });
        Assert.Equal((HttpStatusCode.BadRequest, true), (personal.Status, personal.Error!.Contains("context.fields.first_name is personal data")));
        var user = await Ask(new { device_id = "kiosk-1", campaign_id = "summer-sale", context = new { user_id = "u-77" } });
        Assert.Equal((HttpStatusCode.BadRequest, true), (user.Status, user.Error!.Contains("context.user_id")));
        var plain = await Ask(new { device_id = "kiosk-1", campaign_id = "summer-sale", context = new { locale = "de-DE", fields = new { price = "9.99 EUR" } } });
        Assert.Equal(HttpStatusCode.OK, plain.Status);
        Assert.DoesNotContain("de-DE", plain.Body);
    }
}
