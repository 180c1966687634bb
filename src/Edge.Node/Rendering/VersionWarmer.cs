using System.Diagnostics;
using Akka.Actor;
using Fleet.Edge.Personalisation;
using Fleet.Shared.Campaigns;
using Fleet.Shared.Rendering;
using static Fleet.Edge.Rendering.RenderProtocol;

namespace Fleet.Edge.Rendering;

/// <summary>
/// Does ahead of a version's first render what that render would otherwise pay for (<see cref="WarmVersion"/>): the
/// first hash of each asset, the template, the variant embeddings of every copy pool and the start of the fast path's
/// ffmpeg steps, waited for until they have loaded. What it leaves undone, the first render does, so a failure here costs time, never an ad.
/// </summary>
internal static class VersionWarmer
{
    public static async Task<VersionWarmed> WarmAsync(WarmVersion w, RenderServices s)
    {
        var clock = Stopwatch.StartNew();
        var campaign = w.Campaign;
        var owner = $"{campaign.Spec.Id} v{w.CampaignVersion}";
        try
        {
            if (w.Expected is { } expected && (await s.Guard.UnusableAsync(expected, owner)).Count > 0)
                return new VersionWarmed(clock.Elapsed.TotalMilliseconds, "an asset failed verification");
            var prepared = await s.Prepared.GetAsync(campaign);
            // The version is ready once its ffmpeg steps have loaded too: a render arriving while they still load pays for it.
            var stepsLoaded = s.Composite.Ask<CompositeProtocol.WarmStepsLoaded>(
                new CompositeProtocol.WarmSteps(prepared, LikelyRequests(campaign.Template)), s.Settings.Deadline);

            var model = w.Model?.Id ?? s.Settings.ModelArtifact;
            foreach (var (spec, pool) in Pools(campaign.Spec))
            {
                var embedded = await s.Personalise.Ask<PersonaliseProtocol.CopyEmbedded>(
                    new PersonaliseProtocol.EmbedCopy(spec, RenderAd.CopyKey(spec.Id, w.CampaignVersion, model, pool), w.Model?.Directory), s.Settings.Deadline);
                if (embedded.Error is { } why) return new VersionWarmed(clock.Elapsed.TotalMilliseconds, $"copy of pool '{pool}' not embedded: {why}");
            }
            await stepsLoaded;
            return new VersionWarmed(clock.Elapsed.TotalMilliseconds, null);
        }
        catch (Exception e) when (e is Shared.Cli.FleetException or IOException or AskTimeoutException or TimeoutException)
        {
            return new VersionWarmed(clock.Elapsed.TotalMilliseconds, e.Message);
        }
    }

    /// <summary>The default pool and each locale's, as a render in that locale resolves them.</summary>
    private static IEnumerable<(CampaignSpec Spec, string Pool)> Pools(CampaignSpec spec) =>
        new string?[] { null }.Concat(spec.Locales?.Keys ?? Enumerable.Empty<string>())
            .Select(locale => CampaignLocales.Resolve(spec, locale))
            .Select(r => (r.Spec, r.Pool));

    /// <summary>
    /// A render with every text slot filled, in each grade the template allows: the personalise step's command depends only
    /// on which layers have text and on the grade, so these are the commands a typical render plans.
    /// </summary>
    private static IReadOnlyList<RenderRequest> LikelyRequests(TemplateSpec t)
    {
        var fields = t.Layers.Where(l => l.Type == LayerType.Text).SelectMany(l => TextSlots.Names(l.Text ?? ""))
            .Distinct(StringComparer.Ordinal).ToDictionary(n => n, _ => "-", StringComparer.Ordinal);
        var grades = t.Grades is { Count: > 0 } allowed ? allowed : [GradePresets.Neutral];
        return grades.Select(g => new RenderRequest { Fields = fields, Grade = g }).ToList();
    }
}
