using System.Net.Http.Headers;
using Fleet.Cloud.Api;
using Fleet.Shared.Manifests;
using static Fleet.Shared.Campaigns.CampaignReplies;

namespace Fleet.Cloud.Cli;

/// <summary><c>fleet-cloud model publish FILE --name N --version V | list | quantize</c>: model artifacts (name@semver + sha256).</summary>
public static class ModelVerb
{
    public static readonly Verb Verb = new("model", "publish a model artifact (name@semver), list models, or quantise one to INT8", RunAsync, ["publish", "list", "quantize"]);

    private const string Usage = """
        usage: fleet-cloud model publish FILE --name NAME --version SEMVER [--progress] [--json]
               fleet-cloud model list [--json]
               fleet-cloud model quantize FILE --out FILE [--campaign DIR] [--threshold 0.98] [--contexts 300] [--vocab FILE] [--bits 8]
                 [--plan auto|dynamic|mixed|weight-only] [--json]
                 (INT8 copy of an fp32 embedding model; refused, nothing written, when it agrees with fp32 below the threshold)
        """;

    private static async Task<int> RunAsync(IReadOnlyList<string> argv)
    {
        var a = CommandArgs.Parse(argv, UploadProgress.Option);
        if (a.Flag("help")) { Console.WriteLine(Usage); return 0; }
        if (a.Positionals.Count > 0 && a.Positionals[0] == "quantize")
        {
            a.RejectUnknown(ModelQuantizeCommand.Options);
            return a.Positionals.Count == 2 ? ModelQuantizeCommand.Run(a, a.Positionals[1]) : throw new UsageException("use 'model quantize FILE --out FILE'");
        }
        a.RejectUnknown([.. ApiClient.Options, "name", "version", UploadProgress.Option]);
        using var api = ApiClient.From(a);
        switch (a.Positionals)
        {
            case ["publish", var file]:
                var name = a.Required("name");
                var version = a.Required("version");
                if (!ArtifactName.IsValid(name)) throw new UsageException($"--name '{name}' must be 1-63 of a-z 0-9 . _ - starting with a letter or digit");
                if (!SemVer.IsValid(version)) throw new UsageException($"--version '{version}' is not a semantic version (MAJOR.MINOR.PATCH)");
                if (!File.Exists(file)) throw new FleetException($"{file}: no such file");
                api.Timeout = TimeSpan.FromMinutes(10);
                await using (var stream = File.OpenRead(file))
                {
                    var body = UploadProgress.ForCli(a, "publish", stream.Length)?.Wrap(stream) ?? stream;
                    var content = new StreamContent(body) { Headers = { ContentType = new MediaTypeHeaderValue("application/octet-stream") } };
                    var m = await api.PostContentAsync<ModelPublished>($"api/v1/models?name={Uri.EscapeDataString(name)}&version={Uri.EscapeDataString(version)}", content);
                    Console.Write(a.Flag("json") ? CliJson.Of(m)
                        : $"{(m.Created ? "published" : "unchanged:")} {m.Model.Name}@{m.Model.Version} sha256 {m.Model.Sha256} ({m.Model.Size} bytes)\n");
                }
                return 0;
            case [] or ["list"]:
                var all = await api.GetAsync<List<ModelView>>("api/v1/models");
                Console.Write(a.Flag("json") ? CliJson.Of(all) : all.Count == 0 ? "no models published\n" : TextTable.Render(["MODEL", "SHA256", "BYTES", "PUBLISHED"],
                    all.Select(m => (IReadOnlyList<string>)[$"{m.Name}@{m.Version}", m.Sha256, m.Size.ToString(), $"{m.PublishedAt:u} by {m.PublishedBy}"])));
                return 0;
            default:
                throw new UsageException("use 'model publish FILE --name N --version V' or 'model list'");
        }
    }
}
