using System.CommandLine;
using System.Net.Http.Headers;
using Fleet.Cloud.Api;
using Fleet.Shared.Manifests;
using static Fleet.Shared.Campaigns.CampaignReplies;

namespace Fleet.Cloud.Cli;

/// <summary><c>fleet-cloud model publish FILE --name N --version V | list | quantize</c>: model artifacts (name@semver + sha256).</summary>
public static class ModelVerb
{
    public static Command Create()
    {
        var list = new Command("list", "every published model: name@version, sha256, size, when and by whom");
        list.SetAction((r, _) => ListAsync(r));
        var model = new Command("model", "publish a model artifact (name@semver), list models, or quantise one to INT8")
        {
            Publish(), list, ModelQuantizeCommand.Create(),
        }.CallsApi();
        // Without a subcommand it lists, as it always has.
        model.SetAction((r, _) => ListAsync(r));
        return model;
    }

    private static Command Publish()
    {
        var file = new Argument<string>("FILE") { Description = "the model file (ONNX)" };
        var name = CliOption.Text("--name", "the model's name: 1-63 of a-z 0-9 . _ - starting with a letter or digit", "NAME");
        name.Required = true;
        var version = CliOption.Text("--version", "the model's semantic version (MAJOR.MINOR.PATCH)", "SEMVER");
        version.Required = true;
        var publish = new Command("publish", "upload a model artifact as NAME@SEMVER (same content: no-op)") { file, name, version, UploadProgress.Flag }
            .WithDetails("Upload progress goes to stderr when it is a terminal or with --progress (never with --json).");
        publish.SetAction((r, _) => PublishAsync(r, r.GetValue(file)!, r.GetValue(name)!, r.GetValue(version)!));
        return publish;
    }

    private static async Task<int> PublishAsync(ParseResult r, string file, string name, string version)
    {
        using var api = ApiClient.From(r);
        if (!ArtifactName.IsValid(name)) throw new UsageException($"--name '{name}' must be 1-63 of a-z 0-9 . _ - starting with a letter or digit");
        if (!SemVer.IsValid(version)) throw new UsageException($"--version '{version}' is not a semantic version (MAJOR.MINOR.PATCH)");
        if (!File.Exists(file)) throw new FleetException($"{file}: no such file");
        api.Timeout = TimeSpan.FromMinutes(10);
        await using var stream = File.OpenRead(file);
        var body = UploadProgress.ForCli(r, "publish", stream.Length)?.Wrap(stream) ?? stream;
        var content = new StreamContent(body) { Headers = { ContentType = new MediaTypeHeaderValue("application/octet-stream") } };
        var m = await api.PostContentAsync<ModelPublished>($"api/v1/models?name={Uri.EscapeDataString(name)}&version={Uri.EscapeDataString(version)}", content);
        Console.Write(r.GetValue(FleetCli.Json) ? CliJson.Of(m)
            : $"{(m.Created ? "published" : "unchanged:")} {m.Model.Name}@{m.Model.Version} sha256 {m.Model.Sha256} ({m.Model.Size} bytes)\n");
        return 0;
    }

    private static async Task<int> ListAsync(ParseResult r)
    {
        using var api = ApiClient.From(r);
        var all = await api.GetAsync<List<ModelView>>("api/v1/models");
        Console.Write(r.GetValue(FleetCli.Json) ? CliJson.Of(all) : all.Count == 0 ? "no models published\n" : TextTable.Render(["MODEL", "SHA256", "BYTES", "PUBLISHED"],
            all.Select(m => (IReadOnlyList<string>)[$"{m.Name}@{m.Version}", m.Sha256, m.Size.ToString(), $"{m.PublishedAt:u} by {m.PublishedBy}"])));
        return 0;
    }
}
