using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Fleet.Integration.Tests.Contract;

/// <summary>One cloud for the contract tests, and the OpenAPI document it serves.</summary>
public sealed class ContractCloud : IAsyncLifetime
{
    private readonly TempDir _tmp = new();

    public CloudUnderTest Cloud { get; private set; } = null!;
    public string Document { get; private set; } = "";

    public async Task InitializeAsync()
    {
        Cloud = await CloudUnderTest.StartAsync(await Databases.FreshAsync(Databases.Sqlite, _tmp.Path), _tmp.Sub("cloud"));
        var answer = await ApiCalls.SendAsync(Cloud.Options.HttpUrl, HttpMethod.Get, "/openapi/v1.json", null);
        Assert.Equal(HttpStatusCode.OK, answer.Status);
        Document = answer.Body;
    }

    public async Task DisposeAsync()
    {
        await Cloud.DisposeAsync();
        _tmp.Dispose();
    }
}

/// <summary>The cloud's OpenAPI document is a contract a client can be generated from, and the API keeps it.</summary>
[Collection(ClusterCollection.Name)]
public sealed partial class ApiContractTests(ContractCloud fixture) : IClassFixture<ContractCloud>
{
    private static readonly string[] Methods = ["get", "put", "post", "delete", "patch"];

    [Fact]
    public void Every_operation_has_an_id_its_security_a_typed_answer_and_the_one_error_shape()
    {
        var doc = JsonDocument.Parse(fixture.Document).RootElement;
        Assert.StartsWith("3.0", doc.GetProperty("openapi").GetString());
        var schemes = doc.GetProperty("components").GetProperty("securitySchemes");
        Assert.Equal("bearer", schemes.GetProperty("bearer").GetProperty("scheme").GetString());
        var ids = new HashSet<string>();
        var operations = 0;
        foreach (var path in doc.GetProperty("paths").EnumerateObject())
        foreach (var op in path.Value.EnumerateObject().Where(o => Methods.Contains(o.Name)))
        {
            operations++;
            var where = $"{op.Name.ToUpperInvariant()} {path.Name}";
            var id = op.Value.TryGetProperty("operationId", out var i) ? i.GetString() ?? "" : "";
            Assert.True(CamelCase().IsMatch(id), $"{where}: operationId '{id}' is missing or not camelCase");
            Assert.True(ids.Add(id), $"{where}: operationId '{id}' is used twice");

            var security = op.Value.GetProperty("security").EnumerateArray().SelectMany(r => r.EnumerateObject().Select(s => s.Name)).ToList();
            var responses = op.Value.GetProperty("responses");
            if (path.Name.StartsWith("/api/", StringComparison.Ordinal))
            {
                Assert.Contains("bearer", security);
                foreach (var status in new[] { "401", "403", "503" }) Assert.True(responses.TryGetProperty(status, out _), $"{where}: {status} undeclared");
            }
            else Assert.Empty(security); // anonymous, and says so

            var ok = responses.EnumerateObject().Where(r => r.Name.StartsWith('2')).ToList();
            Assert.NotEmpty(ok);
            foreach (var answer in ok)
            {
                Assert.True(answer.Value.TryGetProperty("content", out var content), $"{where}: {answer.Name} has no body");
                foreach (var media in content.EnumerateObject())
                    Assert.True(media.Value.TryGetProperty("schema", out _), $"{where}: {answer.Name} {media.Name} has no schema");
            }
            // Probes (/readyz) answer plain text for load balancers; every API error is the one ApiError.
            foreach (var error in responses.EnumerateObject().Where(r => r.Name[0] is '4' or '5' && path.Name != "/readyz"))
                Assert.Equal("#/components/schemas/ApiError",
                    error.Value.GetProperty("content").GetProperty("application/json").GetProperty("schema").GetProperty("$ref").GetString());
            if (op.Value.TryGetProperty("requestBody", out var body))
                Assert.True(responses.TryGetProperty("400", out _), $"{where}: takes a body but declares no 400");
        }
        Assert.True(operations >= 40, $"only {operations} operations in the document");
        // The uploads are described, not left as an unnamed POST.
        Assert.Equal("binary", RequestSchema(doc, "/api/v1/campaigns", "multipart/form-data").GetProperty("properties").GetProperty("files").GetProperty("items").GetProperty("format").GetString());
        Assert.Equal("binary", RequestSchema(doc, "/api/v1/models", "application/octet-stream").GetProperty("format").GetString());
        Assert.True(RequestSchema(doc, "/api/v1/enrolments", "application/json").TryGetProperty("$ref", out _));
    }

    [Fact]
    public async Task Errors_the_framework_answers_have_the_same_shape()
    {
        var url = fixture.Cloud.Options.HttpUrl;
        var malformed = await ApiCalls.SendAsync(url, HttpMethod.Post, "/api/v1/kill", CloudUnderTest.AdminTokenValue,
            new StringContent("{not json", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, malformed.Status);
        Assert.Contains("malformed", malformed.Error);
        var noRoute = await ApiCalls.SendAsync(url, HttpMethod.Get, "/api/v1/no-such-thing", CloudUnderTest.AdminTokenValue);
        Assert.Equal(HttpStatusCode.NotFound, noRoute.Status);
        Assert.Contains("not found", noRoute.Error);
        var noToken = await ApiCalls.SendAsync(url, HttpMethod.Get, "/api/v1/devices", null);
        Assert.Equal(HttpStatusCode.Unauthorized, noToken.Status);
        Assert.Equal("missing bearer token", noToken.Error);
    }

    [Fact]
    public async Task Redocly_lint_finds_no_error_when_installed()
    {
        var redocly = Path.Combine(SampleCampaign.RepoRoot, "tools", "node_modules", ".bin", "redocly");
        if (!File.Exists(redocly)) return; // ./fleet setup installs it; without node there is nothing to run
        using var tmp = new TempDir();
        var file = Path.Combine(tmp.Path, "openapi.json");
        await File.WriteAllTextAsync(file, fixture.Document);
        var psi = new ProcessStartInfo(redocly, ["lint", "--config", Path.Combine(SampleCampaign.RepoRoot, "redocly.yaml"), file])
        {
            RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = tmp.Path,
        };
        using var lint = Process.Start(psi)!;
        var output = lint.StandardOutput.ReadToEndAsync();
        var errors = await lint.StandardError.ReadToEndAsync();
        await lint.WaitForExitAsync();
        Assert.True(lint.ExitCode == 0, $"redocly lint failed:\n{await output}\n{errors}");
    }

    [Fact]
    public async Task A_client_generated_from_the_document_calls_the_api()
    {
        var client = GeneratedClient.Compile(await GeneratedClient.GenerateAsync(fixture.Document));
        var url = fixture.Cloud.Options.HttpUrl;
        var api = GeneratedClient.Create(client, url, CloudUnderTest.AdminTokenValue);

        // A typed answer: the generated KeyView carries the same active key the raw API lists.
        var raw = (await fixture.Cloud.GetAsync("/api/v1/keys")).Json.EnumerateArray().ToList();
        var keys = ((IEnumerable<dynamic>)await api.ListKeysAsync()).ToList();
        Assert.Equal(raw.Count, keys.Count);
        Assert.Equal(raw[0].GetProperty("kid").GetString(), (string)keys[0].Kid);

        // A declared error arrives as the typed ApiError.
        var missing = await Assert.ThrowsAnyAsync<Exception>(async () => await api.GetCampaignAsync("no-such-campaign"));
        Assert.Equal(404, (int)((dynamic)missing).StatusCode);
        Assert.Contains("does not exist", (string)((dynamic)missing).Result.Error);

        // So does a refused token.
        var anonymous = GeneratedClient.Create(client, url, null);
        var refused = await Assert.ThrowsAnyAsync<Exception>(async () => await anonymous.ListDevicesAsync());
        Assert.Equal(401, (int)((dynamic)refused).StatusCode);
        Assert.Equal("missing bearer token", (string)((dynamic)refused).Result.Error);
    }

    private static JsonElement RequestSchema(JsonElement doc, string path, string mediaType) =>
        doc.GetProperty("paths").GetProperty(path).GetProperty("post").GetProperty("requestBody").GetProperty("content").GetProperty(mediaType).GetProperty("schema");

    [GeneratedRegex("^[a-z][a-zA-Z0-9]*$")]
    private static partial Regex CamelCase();
}
