using System.Net;
using System.Net.Http.Json;
using Fleet.Cloud.Cli;
using Fleet.Shared.Personalisation.Embedding;
using Fleet.Shared.Assets;
using Fleet.Shared.Campaigns;
using Fleet.Shared.Manifests;
using Fleet.Shared.Serialization;

namespace Fleet.Integration.Tests;

/// <summary>A campaign pinned with <c>--model NAME@VERSION</c>: the device fetches, verifies and runs that model, and says so.</summary>
[Collection(ClusterCollection.Name)]
public sealed class PinnedModelTests
{
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(90);
    private const string Model = "minilm-pinned";

    private static async Task<string> PublishModelAsync(CloudUnderTest cloud, string version, byte[] bytes)
    {
        var published = await ApiCalls.SendAsync(cloud.Options.HttpUrl, HttpMethod.Post, $"/api/v1/models?name={Model}&version={version}",
            CloudUnderTest.AdminTokenValue, new ByteArrayContent(bytes));
        Assert.Equal(HttpStatusCode.Created, published.Status);
        return published.Json.GetProperty("model").GetProperty("sha256").GetString()!;
    }

    private static async Task PublishCampaignAsync(CloudUnderTest cloud, string dir, string model) =>
        Assert.Equal(HttpStatusCode.Created, (await ApiCalls.SendAsync(cloud.Options.HttpUrl, HttpMethod.Post,
            $"/api/v1/campaigns?model={Uri.EscapeDataString(model)}", CloudUnderTest.AdminTokenValue, CampaignFolder.Multipart(dir))).Status);

    private static Task<DeviceModel> ReportedAsync(CloudUnderTest cloud, string version) =>
        Eventually.Until(async () => (await cloud.GetAsync("/api/v1/campaigns/summer-sale/status")).As<List<DeviceSyncReport>>()
                .SelectMany(r => r.ModelStates).FirstOrDefault(m => m.Name == Model && m.Version == version)!,
            m => m is not null, Within, $"the device reporting {Model}@{version}");

    [Fact]
    public async Task The_pinned_model_is_fetched_verified_and_used_and_a_tampered_one_is_refused_for_the_built_in_model()
    {
        using var tmp = new TempDir();
        await using var cloud = await CloudUnderTest.StartAsync(await Databases.FreshAsync(Databases.Sqlite, tmp.Path), tmp.Sub("cloud"));
        var bytes = await File.ReadAllBytesAsync(MiniLmOptions.Default.ModelPath);
        var sha = await PublishModelAsync(cloud, "2.0.0", bytes);
        await PublishCampaignAsync(cloud, SampleCampaign.CopyTo(tmp.Sub("v1")), $"{Model}@2.0.0");
        await cloud.PostJsonAsync("/api/v1/campaigns/summer-sale/assignments", new { tags = new { } });
        var http = Ports.Free();
        await using var edge = DistributionTests.Start(cloud, tmp.Sub("kiosk"), "kiosk-1", "", http);
        using var local = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{http}/"), Timeout = TimeSpan.FromMinutes(2) };
        async Task<string> RenderedWithAsync()
        {
            var reply = await (await local.PostAsJsonAsync("v1/render", new { campaign_id = "summer-sale", no_cache = true }, FleetJson.Options))
                .Content.ReadFromJsonAsync<System.Text.Json.JsonElement>();
            return reply.GetProperty("outcome").GetProperty("artifacts").GetProperty("model").GetString()!;
        }

        // Pinned: fetched into the device's model store, test-run, and the one renders use and telemetry names.
        Assert.Null((await ReportedAsync(cloud, "2.0.0")).Error);
        Assert.True(File.Exists(new MiniLmOptions(Path.Combine(tmp.Sub("kiosk"), "models", sha)).ModelPath));
        Assert.Equal($"{Model}@2.0.0", await RenderedWithAsync());

        // Tampered: the bytes the cloud serves are not the ones the signed manifest names. Refused; the built-in model runs, and says so.
        var other = bytes.Concat(new byte[64]).ToArray();
        var otherSha = await PublishModelAsync(cloud, "3.0.0", other);
        var stored = new ContentStore(Path.Combine(tmp.Sub("cloud"), "assets")).PathOf(otherSha);
        File.SetAttributes(stored, FileAttributes.Normal);
        File.Delete(stored);
        await File.WriteAllBytesAsync(stored, bytes);
        await PublishCampaignAsync(cloud, SampleCampaign.CopyTo(tmp.Sub("v2"), s => s["default_copy"]!["headline"] = "New"), $"{Model}@3.0.0");
        await DistributionTests.WaitRunningAsync(cloud, "summer-sale", 2, "kiosk-1");
        Assert.StartsWith("sha-mismatch", (await ReportedAsync(cloud, "3.0.0")).Error);
        Assert.False(Directory.Exists(Path.Combine(tmp.Sub("kiosk"), "models", otherSha)));
        Assert.Equal(DefaultModel.Ref.Id, await RenderedWithAsync());
    }
}
