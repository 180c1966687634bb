using System.Collections.Concurrent;
using Fleet.Shared.Personalisation.Embedding;
using Fleet.Shared.Campaigns;
using Fleet.Shared.Rendering;

namespace Fleet.Edge.Personalisation.Copy;

/// <summary>
/// Embeddings of a campaign version's approved headlines and CTAs, and of every grade's mood, computed once (one batched
/// Run) and reused for every ad.
/// </summary>
public sealed class VariantEmbeddings(IEmbedder embedder, int capacity = 16)
{
    /// <summary>Vectors of one campaign version, row i for variant i; grades by name.</summary>
    public sealed record Set(float[][] Headlines, float[][] Ctas, IReadOnlyDictionary<string, float[]> Grades);

    private readonly ConcurrentDictionary<string, Lazy<Set>> _sets = new();
    private readonly ConcurrentQueue<string> _order = new();
    private int _computed;

    /// <summary>How many times a set was computed; a test hook proving the cache works.</summary>
    public int Computed => _computed;

    /// <summary>The set for this campaign version; <paramref name="versionKey"/> is the manifest hash or campaign version.</summary>
    public Set Get(CampaignSpec campaign, string versionKey)
    {
        var key = campaign.Id + "@" + versionKey;
        var lazy = _sets.GetOrAdd(key, k =>
        {
            _order.Enqueue(k);
            return new Lazy<Set>(() => Compute(campaign), LazyThreadSafetyMode.ExecutionAndPublication);
        });
        Evict();
        try
        {
            return lazy.Value;
        }
        catch
        {
            // A failed model must not pin a failed entry: a later call (e.g. after a model fix) computes again.
            _sets.TryRemove(key, out _);
            throw;
        }
    }

    /// <summary>What the model sees for a variant: its text with slot names, then its tags.</summary>
    public static string TextOf(CopyVariant variant)
    {
        var text = SlotFiller.WithSlotNames(variant.Text);
        return variant.Tags is { Count: > 0 } tags ? $"{text} ({string.Join(", ", tags)})" : text;
    }

    private Set Compute(CampaignSpec campaign)
    {
        var grades = GradePresets.Names.ToList();
        var texts = campaign.Headlines.Concat(campaign.Ctas).Select(TextOf).Concat(grades.Select(GradePresets.MoodOf)).ToList();
        var vectors = embedder.Embed(texts);
        Interlocked.Increment(ref _computed);
        var copy = campaign.Headlines.Count + campaign.Ctas.Count;
        return new Set(vectors[..campaign.Headlines.Count], vectors[campaign.Headlines.Count..copy],
            grades.Select((g, i) => (g, vectors[copy + i])).ToDictionary(x => x.g, x => x.Item2, StringComparer.Ordinal));
    }

    // Devices hold a handful of campaign versions; dropping the oldest keeps memory flat as versions roll.
    private void Evict()
    {
        while (_sets.Count > capacity && _order.TryDequeue(out var oldest))
            _sets.TryRemove(oldest, out _);
    }
}
