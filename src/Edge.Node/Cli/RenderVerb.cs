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
    public static readonly Verb Verb = new("render", "render one personalised ad offline (--campaign DIR --context JSON --out FILE)", RunAsync);

    private const string Usage = """
        usage: fleet-edge render --campaign DIR --context JSON|FILE --out FILE [--headline TEXT --cta TEXT] [--data DIR] [--no-cache] [--json|--brief]
               fleet-edge render --agent http://127.0.0.1:PORT --context JSON|FILE [--campaign-id ID] [--headline TEXT --cta TEXT]
                                 [--mode edge-first|cloud|hybrid] [--resolution 1080p] [--json|--brief]
          chooses the copy with the on-device model (or previews --headline/--cta, still through the safety filter),
          speaks it, composites it and writes an MP4 to --out (atomically). Every fallback is reported.
          --agent asks a running device (its POST /v1/render) instead; --brief prints one line (headline, cta, ms, fallbacks, file).
          With --agent, --resolution taller than the device renders (or --mode cloud) delegates to a cloud render worker;
          --mode hybrid has a cloud worker make the campaign's base at that size once, and the device renders the ad on it.
          --context: {"locale":"en-US","daypart":"afternoon","weather":"sunny","store":"berlin",
                      "inventory_highlights":["sunglasses"],"interests":["beach"],"fields":{"price":"$12"}}
        """;

    private static async Task<int> RunAsync(IReadOnlyList<string> argv)
    {
        var a = CommandArgs.Parse(argv, "no-cache", "brief");
        if (a.Flag("help")) { Console.WriteLine(Usage); return 0; }
        a.RejectUnknown("campaign", "context", "out", "headline", "cta", "data", "no-cache", "ffmpeg", "espeak", "agent", "campaign-id", "brief", "mode", "resolution");
        var context = ParseContext(a.Get("context", "{}"));
        if (a.Get("agent") is { } agent) return await ViaAgentAsync(agent, a, context);
        var campaign = CampaignLoader.LoadDirectory(a.Required("campaign"));
        var output = a.Required("out");
        var outDir = Path.GetDirectoryName(Path.GetFullPath(output))!;
        if (!Directory.Exists(outDir)) throw new FleetException($"--out: folder {outDir} does not exist");
        var settings = new RenderSettings
        {
            DataDir = Path.GetFullPath(a.Get("data", "./data/edge")), FfmpegPath = a.Get("ffmpeg"), EspeakPath = a.Get("espeak"),
        };
        await using var renderer = await LocalRenderer.StartAsync(settings);
        var outcome = await renderer.RenderAsync(campaign, context, output, a.Get("headline"), a.Get("cta"), useCache: !a.Flag("no-cache"));
        Show(outcome, a, outcome.OutputPath);
        return 0;
    }

    private static void Show(RenderProtocol.RenderOutcome outcome, CommandArgs a, string location)
    {
        if (a.Flag("json")) Console.WriteLine(JsonSerializer.Serialize(outcome, FleetJson.Indented));
        else if (a.Flag("brief"))
            Console.WriteLine($"{outcome.Headline} | {outcome.Cta} | {outcome.TotalMs:0} ms | {outcome.Path}/{outcome.Encoder} | {(outcome.Fallbacks.Count == 0 ? "none" : string.Join(",", outcome.Fallbacks))} | {location}");
        else Print(outcome);
        if (outcome.Error is not null) throw new FleetException(outcome.Error);
    }

    private static async Task<int> ViaAgentAsync(string agent, CommandArgs a, RenderContext context)
    {
        using var http = FleetHttp.Create(FleetHttp.DeviceApi);
        http.BaseAddress = new Uri(agent.TrimEnd('/') + "/");
        var body = new RenderEndpoints.RenderBody(a.Get("campaign-id"), context, a.Get("headline"), a.Get("cta"), a.Flag("no-cache"), a.Get("mode"), a.Get("resolution"));
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
        Show(reply.Outcome, a, agent.TrimEnd('/') + reply.Url);
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
