using System.CommandLine;
using System.Text.Json;
using Fleet.Edge.Rendering;
using Fleet.Shared.Campaigns;
using Fleet.Shared.Http;
using Fleet.Shared.Cli;
using Fleet.Shared.Rendering;
using Fleet.Shared.Serialization;

namespace Fleet.Edge.Cli;

/// <summary><c>fleet-edge render</c>: one personalised ad, offline, no cluster.</summary>
public static class RenderVerb
{
    private static readonly Option<string?> Campaign = CliOption.Text("--campaign", "the campaign folder to render (offline)", "DIR");
    private static readonly Option<string> Context = CliOption.Text("--context", "{}",
        "the viewing context, inline or a file: {\"locale\":\"en-US\",\"daypart\":\"afternoon\",\"weather\":\"sunny\",\"store\":\"berlin\",\"inventory_highlights\":[\"sunglasses\"],\"interests\":[\"beach\"],\"fields\":{\"price\":\"$12\"}}",
        "JSON|FILE");
    private static readonly Option<string?> Out = CliOption.Text("--out", "the MP4 to write (atomically)", "FILE");
    private static readonly Option<string?> Headline = CliOption.Text("--headline", "preview this headline instead of the model's choice (still through the safety filter)", "TEXT");
    private static readonly Option<string?> Cta = CliOption.Text("--cta", "preview this call to action instead of the model's choice (still through the safety filter)", "TEXT");
    private static readonly Option<string> Data = CliOption.Text("--data", "./data/edge", "the device's data folder (render cache)", "DIR");
    private static readonly Option<bool> NoCache = CliOption.Flag("--no-cache", "render again even when an identical render is cached");
    private static readonly Option<string?> Ffmpeg = CliOption.Text("--ffmpeg", "the ffmpeg to run (default: from PATH)", "PATH");
    private static readonly Option<string?> Espeak = CliOption.Text("--espeak", "the espeak-ng to run (default: from PATH)", "PATH");
    private static readonly Option<string?> Agent = CliOption.Text("--agent", "ask a running device (its POST /v1/render) instead of rendering here", "http://127.0.0.1:PORT");
    private static readonly Option<string?> CampaignId = CliOption.Text("--campaign-id", "with --agent: the campaign to render (default: the device's)", "ID");
    private static readonly Option<bool> Brief = CliOption.Flag("--brief", "print one line: headline, cta, ms, fallbacks, file");
    private static readonly Option<string?> Mode = CliOption.Text("--mode",
        "with --agent: cloud delegates to a cloud render worker; hybrid has a cloud worker make the campaign's base at that size once, and the device renders the ad on it",
        "edge-first|cloud|hybrid");
    private static readonly Option<string?> Resolution = CliOption.Text("--resolution", "with --agent: taller than the device renders delegates to a cloud render worker", "1080p");

    public static Command Create()
    {
        var command = new Command("render", "render one personalised ad offline (--campaign DIR --context JSON --out FILE), or ask a device (--agent URL)")
        {
            Campaign, Context, Out, Headline, Cta, Data, NoCache, Ffmpeg, Espeak, Agent, CampaignId, Brief, Mode, Resolution,
        }.WithDetails("""
            Chooses the copy with the on-device model (or previews --headline/--cta), speaks it, composites it and writes
            an MP4 to --out. Every fallback is reported.
            """);
        command.SetAction((r, _) => RunAsync(r));
        return command;
    }

    private static async Task<int> RunAsync(ParseResult r)
    {
        var context = ParseContext(r.GetValue(Context)!);
        if (r.GetValue(Agent) is { } agent) return await ViaAgentAsync(agent, r, context);
        var campaign = CampaignLoader.LoadDirectory(r.GetValue(Campaign) ?? throw new UsageException("missing required option --campaign"));
        var output = r.GetValue(Out) ?? throw new UsageException("missing required option --out");
        var outDir = Path.GetDirectoryName(Path.GetFullPath(output))!;
        if (!Directory.Exists(outDir)) throw new FleetException($"--out: folder {outDir} does not exist");
        var settings = new RenderSettings
        {
            DataDir = Path.GetFullPath(r.GetValue(Data)!), FfmpegPath = r.GetValue(Ffmpeg), EspeakPath = r.GetValue(Espeak),
        };
        await using var renderer = await LocalRenderer.StartAsync(settings);
        var outcome = await renderer.RenderAsync(campaign, context, output, r.GetValue(Headline), r.GetValue(Cta), useCache: !r.GetValue(NoCache));
        Show(outcome, r, outcome.OutputPath);
        return 0;
    }

    private static void Show(RenderProtocol.RenderOutcome outcome, ParseResult r, string location)
    {
        if (r.GetValue(FleetCli.Json)) Console.WriteLine(JsonSerializer.Serialize(outcome, FleetJson.Indented));
        else if (r.GetValue(Brief))
            Console.WriteLine($"{outcome.Headline} | {outcome.Cta} | {outcome.TotalMs:0} ms | {outcome.Path}/{outcome.Encoder} | {(outcome.Fallbacks.Count == 0 ? "none" : string.Join(",", outcome.Fallbacks))} | {location}");
        else Print(outcome);
        if (outcome.Error is not null) throw new FleetException(outcome.Error);
    }

    private static async Task<int> ViaAgentAsync(string agent, ParseResult r, RenderContext context)
    {
        using var http = FleetHttp.Create(FleetHttp.DeviceApi);
        http.BaseAddress = new Uri(agent.TrimEnd('/') + "/");
        var body = new RenderEndpoints.RenderBody(r.GetValue(CampaignId), context, r.GetValue(Headline), r.GetValue(Cta), r.GetValue(NoCache), r.GetValue(Mode), r.GetValue(Resolution));
        HttpResponseMessage response;
        try
        {
            response = await http.PostAsync("v1/render", new StringContent(JsonSerializer.Serialize(body, FleetJson.Options), System.Text.Encoding.UTF8, "application/json"));
        }
        catch (HttpRequestException e)
        {
            throw new FleetException($"cannot reach the device at {agent}: {e.Message}");
        }
        var text = await response.Content.ReadAsStringAsync();
        if (response.StatusCode is System.Net.HttpStatusCode.NotFound or System.Net.HttpStatusCode.BadRequest) throw new FleetException($"the device says: {text}");
        var reply = JsonSerializer.Deserialize<RenderEndpoints.RenderReply>(text, FleetJson.Options)
                    ?? throw new FleetException($"the device answered {(int)response.StatusCode} without a render");
        Show(reply.Outcome, r, agent.TrimEnd('/') + reply.Url);
        return 0;
    }

    /// <summary>Inline JSON or a file holding it; malformed input is one line naming the position.</summary>
    public static RenderContext ParseContext(string raw)
    {
        var json = raw.TrimStart().StartsWith('{') ? raw : File.Exists(raw) ? File.ReadAllText(raw) : throw new UsageException($"--context: '{raw}' is neither JSON nor a file");
        try
        {
            return JsonSerializer.Deserialize<RenderContext>(json, FleetJson.Options) ?? throw new UsageException("--context: null is not a context");
        }
        catch (JsonException e)
        {
            throw new UsageException($"--context: malformed JSON at line {e.LineNumber + 1}, position {e.BytePositionInLine + 1}: {e.Message.Split('.')[0]}");
        }
    }

    private static void Print(RenderProtocol.RenderOutcome o)
    {
        Console.WriteLine($"{o.OutputPath}  ({o.Path}, {o.Encoder}{(o.CacheHit ? ", cached" : "")}) in {o.TotalMs:0} ms");
        Console.WriteLine($"  headline  {o.Headline}  [{o.HeadlineId}]");
        Console.WriteLine($"  cta       {o.Cta}  [{o.CtaId}]");
        Console.WriteLine($"  stages    {string.Join("  ", o.StageMs.Select(s => $"{s.Key} {s.Value:0} ms"))}");
        Console.WriteLine($"  fallbacks {(o.Fallbacks.Count == 0 ? "none" : string.Join(", ", o.Fallbacks))}");
    }
}
