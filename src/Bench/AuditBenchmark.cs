using System.Diagnostics;
using Fleet.Edge.Audit;
using Fleet.Edge.Privacy;
using Fleet.Edge.Rendering;
using Fleet.Shared.Audit;
using Fleet.Shared.Campaigns;
using Fleet.Shared.Rendering;
using static Fleet.Edge.Rendering.RenderProtocol;

namespace Fleet.Bench;

/// <summary>
/// What the audit entry of one render costs: building it on the render's side (inputs digest and detail), appending it
/// (hash, write, fsync) in the audit actor, and its size on disk, from which bytes per device per day follow.
/// </summary>
public static class AuditBenchmark
{
    /// <summary>Budget for building plus appending one entry, median.</summary>
    public const double BudgetMicros = 200;

    public sealed record Result(int Entries, Stats BuildMicros, Stats AppendMicros, Stats AppendNoSyncMicros, double BytesPerEntry, int RendersPerDay,
        double BytesPerDay, bool WithinBudget);

    public static Result Run(string campaignDir, int entries, int rendersPerDay)
    {
        // The spec and template only: an audit entry names the campaign, it never reads its assets (which may not be made yet).
        var root = Path.GetFullPath(campaignDir);
        var spec = Shared.Serialization.SchemaCheckedJson.Load<CampaignSpec>(Path.Combine(root, CampaignLoader.FileName), CampaignLoader.SchemaName);
        var campaign = new LoadedCampaign(root, spec, TemplateLoader.Load(Path.Combine(root, spec.Template)), new Dictionary<string, string>());
        var dir = Directory.CreateTempSubdirectory("fleet-bench-audit").FullName;
        try
        {
            var hasher = new UserIdHasher(dir);
            var settings = new RenderSettings { DataDir = dir };
            var records = new List<AuditCommands.Record>(entries);
            var build = new List<double>(entries);
            for (var i = 0; i < entries; i++)
            {
                var (request, outcome) = Render(campaign, settings, i);
                var sw = Stopwatch.StartNew();
                records.Add(RenderAudit.Entry(outcome, request, hasher));
                build.Add(sw.Elapsed.TotalMicroseconds);
            }
            var synced = Append(Path.Combine(dir, "synced.log"), records, fsync: true);
            var unsynced = Append(Path.Combine(dir, "unsynced.log"), records, fsync: false);
            var bytes = (double)new FileInfo(Path.Combine(dir, "synced.log")).Length / entries;
            var (b, s) = (Stats.Of(build), Stats.Of(synced));
            return new Result(entries, b, s, Stats.Of(unsynced), bytes, rendersPerDay, bytes * rendersPerDay, b.P50 + s.P50 <= BudgetMicros);
        }
        finally
        {
            try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
        }
    }

    private static List<double> Append(string path, IReadOnlyList<AuditCommands.Record> records, bool fsync)
    {
        using var log = AuditLog.Open(path, fsync: fsync);
        var micros = new List<double>(records.Count);
        foreach (var r in records)
        {
            var sw = Stopwatch.StartNew();
            log.Append(r.Actor, r.Action, r.Subject, r.Detail);
            micros.Add(sw.Elapsed.TotalMicroseconds);
        }
        return micros;
    }

    /// <summary>A render as a kiosk asks for it (varied context, a user id) and a typical outcome with one fallback.</summary>
    private static (RenderAd, RenderOutcome) Render(LoadedCampaign campaign, RenderSettings settings, int i)
    {
        var context = new RenderContext
        {
            Locale = i % 2 == 0 ? "en-GB" : "de-DE", Daypart = "morning", Weather = "rain", Store = $"store-{i % 40}",
            Interests = ["coffee", "pastry"], Fields = new Dictionary<string, string> { ["price"] = $"{i % 9}.99" }, UserId = $"user-{i}@example.com",
        };
        var request = new RenderAd(campaign, context, "/tmp/ad.mp4", CampaignVersion: "7");
        var outcome = new RenderOutcome($"r{i}", campaign.Spec.Id, "/tmp/ad.mp4", true, "headline", "cta", $"h{i % 4}", $"c{i % 3}",
            new Dictionary<string, string>(), new Dictionary<string, double> { ["composite"] = 180 }, 240, false, "libx264", "fast-tail",
            i % 5 == 0 ? ["speech:captions-only:engine-failed"] : [], [], 3.1, request.Artifacts(settings));
        return (request, outcome);
    }
}
