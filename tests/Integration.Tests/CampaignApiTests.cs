using System.Net;
using System.Text;
using Fleet.Shared.Manifests;
using Fleet.Shared.Security;

namespace Fleet.Integration.Tests;

/// <summary>The campaign API against a real cloud node: roles, publishing, validation, keys, models, audit.</summary>
[Collection(SecondClusterCollection.Name)]
public sealed class CampaignApiTests
{
    [Fact]
    public async Task The_cli_publishes_with_upload_progress_on_stderr_and_json_output_stays_clean()
    {
        using var tmp = new TempDir();
        await using var cloud = await CloudUnderTest.StartAsync(await Databases.FreshAsync(Databases.Sqlite, tmp.Path), tmp.Sub("cloud"));
        var dir = SampleCampaign.CopyTo(tmp.Sub("c"));
        string[] api = ["--api", cloud.Options.HttpUrl, "--token", CloudUnderTest.AdminTokenValue];

        using var shown = Fleet.Shared.IO.FleetProcess.Cloud(["campaign", "publish", dir, "--progress", .. api]);
        Assert.Equal(0, await shown.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains(shown.Lines, l => l.StartsWith("stderr: ", StringComparison.Ordinal) && l.Contains("publish: ") && l.EndsWith("MB (100 %)", StringComparison.Ordinal));

        using var json = Fleet.Shared.IO.FleetProcess.Cloud(["campaign", "publish", dir, "--progress", "--json", .. api]);
        Assert.Equal(0, await json.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.DoesNotContain(json.Lines, l => l.Contains("publish: "));
        Assert.Contains(json.Lines, l => l.Contains("\"created\": false"));
    }

    [Fact]
    public async Task Missing_wrong_and_revoked_tokens_get_401_and_wrong_roles_get_403_with_json_errors()
    {
        using var tmp = new TempDir();
        await using var cloud = await CloudUnderTest.StartAsync(await Databases.FreshAsync(Databases.Sqlite, tmp.Path), tmp.Sub("cloud"));
        var none = await cloud.GetAsync("/api/v1/campaigns", token: null);
        Assert.Equal(HttpStatusCode.Unauthorized, none.Status);
        Assert.Equal("missing bearer token", none.Error);
        var bogus = await cloud.GetAsync("/api/v1/campaigns", token: "flv_not-a-token");
        Assert.Equal(HttpStatusCode.Unauthorized, bogus.Status);
        Assert.Contains("invalid", bogus.Error);

        var viewer = await cloud.TokenAsync("viewer");
        Assert.Equal(HttpStatusCode.OK, (await cloud.GetAsync("/api/v1/campaigns", viewer)).Status);
        var denied = await cloud.PublishAsync(SampleCampaign.CopyTo(tmp.Sub("c")), viewer);
        Assert.Equal(HttpStatusCode.Forbidden, denied.Status);
        Assert.Contains("needs operator", denied.Error);
        Assert.Equal(HttpStatusCode.Forbidden, (await cloud.GetAsync("/api/v1/tokens", viewer)).Status);
        var device = await cloud.TokenAsync("device", "kiosk-x");
        Assert.Equal(HttpStatusCode.Forbidden, (await cloud.GetAsync("/api/v1/campaigns", device)).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await cloud.PostJsonAsync("/api/v1/keys/rotate", new { }, device)).Status);
        // A role refusing a change is an operator action the audit log records; a device token outside its scope, like
        // a missing or unknown token, never reached the API and is not.
        var refused = (await cloud.GetAsync("/api/v1/audit")).Json.EnumerateArray()
            .Select(e => (Action: e.GetProperty("action").GetString(), Detail: e.GetProperty("detail").GetString())).ToList();
        Assert.Contains(("post /api/v1/campaigns", "status 403"), refused);
        Assert.DoesNotContain(refused, e => e.Action == "post /api/v1/keys/rotate");

        var operatorToken = await cloud.TokenAsync("operator");
        Assert.Equal(HttpStatusCode.Created, (await cloud.PublishAsync(tmp.Sub("c"), operatorToken)).Status);
        Assert.Equal(HttpStatusCode.OK, (await cloud.GetAsync("/api/v1/campaigns", operatorToken)).Status);

        var list = (await cloud.GetAsync("/api/v1/tokens")).Json.EnumerateArray().ToList();
        var viewerId = list.First(t => t.GetProperty("role").GetString() == "viewer").GetProperty("id").GetString();
        Assert.DoesNotContain(viewer, (await cloud.GetAsync("/api/v1/tokens")).Body);
        Assert.Equal(HttpStatusCode.OK, (await ApiCalls.SendAsync(cloud.Options.HttpUrl, HttpMethod.Delete, $"/api/v1/tokens/{viewerId}", CloudUnderTest.AdminTokenValue)).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await cloud.GetAsync("/api/v1/campaigns", viewer)).Status);

        var bad = await cloud.PostJsonAsync("/api/v1/tokens", new { role = "root" });
        Assert.Equal(HttpStatusCode.BadRequest, bad.Status);
        Assert.Contains("unknown role 'root'", bad.Error);
    }

    [Fact]
    public async Task Publishing_the_same_content_twice_returns_the_existing_version_and_changes_make_new_versions()
    {
        using var tmp = new TempDir();
        await using var cloud = await CloudUnderTest.StartAsync(await Databases.FreshAsync(Databases.Sqlite, tmp.Path), tmp.Sub("cloud"));
        var dir = SampleCampaign.CopyTo(tmp.Sub("c"));
        var first = await cloud.PublishAsync(dir);
        Assert.Equal(HttpStatusCode.Created, first.Status);
        Assert.Equal(1, first.Json.GetProperty("version").GetInt32());
        var storedFiles = Directory.EnumerateFiles(Path.Combine(tmp.Sub("cloud"), "assets"), "*", SearchOption.AllDirectories).Count(f => !f.Contains("/."));
        Assert.Equal(5, storedFiles); // four assets and the template

        var again = await cloud.PublishAsync(dir);
        Assert.Equal(HttpStatusCode.OK, again.Status);
        Assert.False(again.Json.GetProperty("created").GetBoolean());
        Assert.Equal(1, again.Json.GetProperty("version").GetInt32());

        SampleCampaign.CopyTo(dir, spec => spec["default_copy"]!["headline"] = "Summer Sale, now on");
        var second = await cloud.PublishAsync(dir);
        Assert.Equal(2, second.Json.GetProperty("version").GetInt32());
        var versions = (await cloud.GetAsync("/api/v1/campaigns/summer-sale/versions")).Json.EnumerateArray().Select(v => v.GetProperty("version").GetInt32());
        Assert.Equal(new[] { 1, 2 }, versions);

        // Every version has a manifest signed with the fleet key that verifies against the served trust set.
        var trust = TrustSet.FromJson(Encoding.UTF8.GetBytes((await cloud.GetAsync("/api/v1/keys/trust")).Body));
        var manifest = await cloud.GetAsync("/api/v1/campaigns/summer-sale/versions/2/manifest");
        var verified = ManifestVerifier.Verify(Encoding.UTF8.GetBytes(manifest.Body), trust, DateTimeOffset.UtcNow);
        Assert.True(verified.IsValid, verified.Message);
        Assert.Equal("Summer Sale, now on", verified.Manifest!.DefaultCopy.Headline);
        Assert.True(verified.Manifest.ExpiresAt > DateTimeOffset.UtcNow.AddDays(29));

        var audit = (await cloud.GetAsync("/api/v1/audit")).Json.EnumerateArray().Select(e => e.GetProperty("detail").GetString()).ToList();
        Assert.Contains(audit, d => d!.Contains("created summer-sale v1"));
        Assert.Contains(audit, d => d!.Contains("unchanged, summer-sale v1"));
        Assert.Contains(audit, d => d!.Contains("created summer-sale v2"));
    }

    [Theory]
    [InlineData("schema", "headlines")]
    [InlineData("missing-asset", "asset 'logo' missing: assets/logo.png")]
    [InlineData("broken-template", "template.json")]
    public async Task An_invalid_campaign_folder_fails_with_the_exact_problem_and_stores_nothing(string fault, string expected)
    {
        using var tmp = new TempDir();
        await using var cloud = await CloudUnderTest.StartAsync(await Databases.FreshAsync(Databases.Sqlite, tmp.Path), tmp.Sub("cloud"));
        var dir = SampleCampaign.CopyTo(tmp.Sub("c"), spec => { if (fault == "schema") spec["headlines"] = "not a list"; });
        if (fault == "missing-asset") File.Delete(Path.Combine(dir, "assets", "logo.png"));
        if (fault == "broken-template") File.WriteAllText(Path.Combine(dir, "template.json"), """{"width": 1280, "fps": "thirty"}""");

        var answer = await cloud.PublishAsync(dir);
        Assert.Equal(HttpStatusCode.BadRequest, answer.Status);
        Assert.Contains(expected, answer.Error);
        Assert.DoesNotContain("uploads", answer.Error);
        var stored = Directory.EnumerateFiles(Path.Combine(tmp.Sub("cloud"), "assets"), "*", SearchOption.AllDirectories).ToList();
        Assert.Empty(stored);
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(tmp.Sub("cloud"), "uploads")));
        Assert.Equal("[]", (await cloud.GetAsync("/api/v1/campaigns")).Body);
    }

    [Fact]
    public async Task Rotation_keeps_old_signatures_trusted_and_revoking_a_key_re_signs_its_manifests()
    {
        using var tmp = new TempDir();
        await using var cloud = await CloudUnderTest.StartAsync(await Databases.FreshAsync(Databases.Sqlite, tmp.Path), tmp.Sub("cloud"));
        await cloud.PublishAsync(SampleCampaign.CopyTo(tmp.Sub("c")));
        var before = (await cloud.GetAsync("/api/v1/campaigns/summer-sale/versions/1/manifest")).Body;
        var oldKid = SignedEnvelopeKid(before);

        var rotated = await cloud.PostJsonAsync("/api/v1/keys/rotate", new { });
        Assert.Equal(HttpStatusCode.OK, rotated.Status);
        var newKid = rotated.Json.EnumerateArray().Single(k => k.GetProperty("active").GetBoolean()).GetProperty("kid").GetString()!;
        Assert.NotEqual(oldKid, newKid);
        var overlap = TrustSet.FromJson(Encoding.UTF8.GetBytes((await cloud.GetAsync("/api/v1/keys/trust")).Body));
        Assert.True(ManifestVerifier.Verify(Encoding.UTF8.GetBytes(before), overlap, DateTimeOffset.UtcNow).IsValid);
        Assert.Equal(before, (await cloud.GetAsync("/api/v1/campaigns/summer-sale/versions/1/manifest")).Body);

        var refused = await cloud.PostJsonAsync($"/api/v1/keys/{newKid}/revoke", new { });
        Assert.Equal(HttpStatusCode.Conflict, refused.Status);
        Assert.Contains("active key", refused.Error);

        Assert.Equal(HttpStatusCode.OK, (await cloud.PostJsonAsync($"/api/v1/keys/{oldKid}/revoke", new { })).Status);
        var trust = TrustSet.FromJson(Encoding.UTF8.GetBytes((await cloud.GetAsync("/api/v1/keys/trust")).Body));
        Assert.True(trust.IsRevoked(oldKid));
        Assert.Equal(RejectionReason.RevokedKey, ManifestVerifier.Verify(Encoding.UTF8.GetBytes(before), trust, DateTimeOffset.UtcNow).Reason);
        var after = (await cloud.GetAsync("/api/v1/campaigns/summer-sale/versions/1/manifest")).Body;
        Assert.Equal(newKid, SignedEnvelopeKid(after));
        Assert.True(ManifestVerifier.Verify(Encoding.UTF8.GetBytes(after), trust, DateTimeOffset.UtcNow).IsValid);
    }

    [Fact]
    public async Task Models_need_a_semantic_version_and_a_published_version_never_changes()
    {
        using var tmp = new TempDir();
        await using var cloud = await CloudUnderTest.StartAsync(await Databases.FreshAsync(Databases.Sqlite, tmp.Path), tmp.Sub("cloud"));
        async Task<ApiCalls.Answer> Publish(string name, string version, string content) =>
            await ApiCalls.SendAsync(cloud.Options.HttpUrl, HttpMethod.Post, $"/api/v1/models?name={name}&version={version}", CloudUnderTest.AdminTokenValue,
                new ByteArrayContent(Encoding.UTF8.GetBytes(content)));

        var bad = await Publish("minilm", "1.0", "weights");
        Assert.Equal(HttpStatusCode.BadRequest, bad.Status);
        Assert.Contains("not a semantic version", bad.Error);
        var created = await Publish("minilm", "1.2.0", "weights");
        Assert.Equal(HttpStatusCode.Created, created.Status);
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes("weights"))),
            created.Json.GetProperty("model").GetProperty("sha256").GetString());
        Assert.Equal(HttpStatusCode.OK, (await Publish("minilm", "1.2.0", "weights")).Status);
        var clash = await Publish("minilm", "1.2.0", "other weights");
        Assert.Equal(HttpStatusCode.Conflict, clash.Status);
        Assert.Contains("immutable", clash.Error);

        // A campaign can pin it; an unknown model is refused before anything is stored.
        var pinned = await ApiCalls.SendAsync(cloud.Options.HttpUrl, HttpMethod.Post, "/api/v1/campaigns?model=minilm@9.9.9", CloudUnderTest.AdminTokenValue,
            Fleet.Cloud.Cli.CampaignFolder.Multipart(SampleCampaign.CopyTo(tmp.Sub("c"))));
        Assert.Equal(HttpStatusCode.BadRequest, pinned.Status);
        Assert.Contains("model 'minilm@9.9.9' is not published", pinned.Error);
    }

    [Theory]
    [InlineData(Databases.Sqlite)]
    [InlineData(Databases.Postgres)]
    public async Task Tokens_campaigns_and_assignments_survive_a_cloud_restart(string kind)
    {
        using var tmp = new TempDir();
        var db = await Databases.FreshAsync(kind, tmp.Path);
        var cloud = await CloudUnderTest.StartAsync(db, tmp.Sub("cloud"));
        var (port, http) = (cloud.Options.Port, new Uri(cloud.Options.HttpUrl).Port);
        var viewer = await cloud.TokenAsync("viewer");
        await cloud.PublishAsync(SampleCampaign.CopyTo(tmp.Sub("c")));
        Assert.Equal(HttpStatusCode.OK, (await cloud.PostJsonAsync("/api/v1/campaigns/summer-sale/assignments", new { tags = new { store = "berlin" } })).Status);
        await cloud.DisposeAsync();

        await using var restarted = await CloudUnderTest.StartAsync(db, tmp.Sub("cloud"), port, http);
        var list = await Eventually.Until(() => restarted.GetAsync("/api/v1/campaigns", viewer), a => a.Status == HttpStatusCode.OK,
            TimeSpan.FromSeconds(30), "viewer token accepted after restart");
        var campaign = list.Json.EnumerateArray().Single();
        Assert.Equal(1, campaign.GetProperty("latest_version").GetInt32());
        Assert.Equal("berlin", campaign.GetProperty("assignments")[0].GetProperty("store").GetString());
        Assert.False((await restarted.PublishAsync(tmp.Sub("c"))).Json.GetProperty("created").GetBoolean());
    }

    [Fact]
    public async Task The_openapi_document_and_reference_page_are_served()
    {
        using var tmp = new TempDir();
        await using var cloud = await CloudUnderTest.StartAsync(await Databases.FreshAsync(Databases.Sqlite, tmp.Path), tmp.Sub("cloud"));
        var doc = await ApiCalls.SendAsync(cloud.Options.HttpUrl, HttpMethod.Get, "/openapi/v1.json", null);
        Assert.Equal(HttpStatusCode.OK, doc.Status);
        var paths = doc.Json.GetProperty("paths");
        foreach (var p in new[] { "/api/v1/campaigns", "/api/v1/campaigns/{id}/versions/{version}/manifest", "/api/v1/assets/{sha256}", "/api/v1/keys/rotate",
                     "/api/v1/models", "/api/v1/ads/render", "/api/v1/tokens", "/api/v1/audit", "/api/v1/devices" })
            Assert.True(paths.TryGetProperty(p, out _), $"{p} missing from the OpenAPI document");
        var page = await ApiCalls.SendAsync(cloud.Options.HttpUrl, HttpMethod.Get, "/api-docs", null);
        Assert.Equal(HttpStatusCode.OK, page.Status);
        Assert.Contains("/openapi/v1.json", page.Body);
    }

    private static string SignedEnvelopeKid(string envelopeJson) =>
        SignedEnvelope.TryParse(Encoding.UTF8.GetBytes(envelopeJson), out var e, out _) ? e!.Kid : throw new InvalidOperationException("not an envelope");
}
