using System.Diagnostics;
using Fleet.Edge.Manifests;
using Fleet.Shared.Assets;

namespace Fleet.Edge.Store;

/// <summary>
/// Every file the device keeps by its sha256, hashed again one at a time: campaign assets (<c>manifests/store</c>),
/// model downloads (<c>models/content</c>) and the model copies renders load (<c>models/&lt;sha&gt;/model.onnx</c>).
/// A mismatch is quarantined by the guard and reported exactly as one found at use.
/// </summary>
public static class StoreScrub
{
    /// <summary>One file and the digest its place in the store names.</summary>
    public sealed record Entry(string Path, string Sha256, string What);

    /// <summary>A file that failed: <see cref="State"/> is <c>corrupt</c> (did not match; quarantined now) or <c>missing</c> (a kept manifest lists it, the store lacks it).</summary>
    public sealed record Finding(string Path, string Sha256, string What, string State);

    public sealed record Report(int Checked, long Bytes, IReadOnlyList<Finding> Problems, double Seconds)
    {
        public bool Clean => Problems.Count == 0;
    }

    /// <summary>True when <paramref name="dataDir"/> holds a device store at all.</summary>
    public static bool Exists(string dataDir) =>
        Directory.Exists(CampaignStore(dataDir)) || Directory.Exists(Path.Combine(dataDir, "models"));

    public static async Task<Report> RunAsync(AssetGuard guard, string dataDir, long? bytesPerSecond = null, CancellationToken ct = default)
    {
        var sw = Stopwatch.StartNew();
        var problems = new List<Finding>();
        int count = 0;
        long bytes = 0;
        foreach (var e in Files(dataDir))
        {
            ct.ThrowIfCancellationRequested();
            var size = new FileInfo(e.Path) is { Exists: true } f ? f.Length : 0;
            var state = await guard.RehashAsync(e.Path, e.Sha256, e.What, bytesPerSecond, ct);
            if (state == AssetState.Missing) continue; // collected as garbage since it was listed
            count++;
            bytes += size;
            if (state == AssetState.Corrupt) problems.Add(new Finding(e.Path, e.Sha256, e.What, "corrupt"));
        }
        var store = CampaignStore(dataDir);
        foreach (var (m, a) in ManifestCache.KeptAssets(dataDir).DistinctBy(x => x.Asset.Sha256))
            if (ContentStore.PathIn(store, a.Sha256) is var path && !File.Exists(path))
                problems.Add(new Finding(path, a.Sha256, $"asset '{a.Name}' of {m.CampaignId} v{m.Version}", "missing"));
        return new Report(count, bytes, problems, Math.Round(sw.Elapsed.TotalSeconds, 3));
    }

    /// <summary>The files to check, named by what uses them where the kept manifests say so.</summary>
    public static IEnumerable<Entry> Files(string dataDir)
    {
        var names = ManifestCache.KeptAssets(dataDir)
            .GroupBy(x => x.Asset.Sha256, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => string.Join(", ", g.Select(x => $"asset '{x.Asset.Name}' of {x.Manifest.CampaignId} v{x.Manifest.Version}").Distinct()),
                StringComparer.Ordinal);
        foreach (var (path, sha) in Addressed(CampaignStore(dataDir)))
            yield return new Entry(path, sha, names.GetValueOrDefault(sha) ?? "unreferenced campaign content");
        var models = Path.Combine(dataDir, "models");
        foreach (var (path, sha) in Addressed(Path.Combine(models, "content")))
            yield return new Entry(path, sha, "downloaded model");
        if (!Directory.Exists(models)) yield break;
        foreach (var dir in Directory.EnumerateDirectories(models))
        {
            var sha = Path.GetFileName(dir);
            var model = new Fleet.Shared.Personalisation.Embedding.MiniLmOptions(dir).ModelPath;
            if (ContentStore.IsSha256(sha) && File.Exists(model)) yield return new Entry(model, sha, "model in use");
        }
    }

    private static string CampaignStore(string dataDir) => Path.Combine(dataDir, "manifests", "store");

    // A content store keeps <root>/aa/bb/<sha256>; its working folders (.tmp, .partial) start with a dot.
    private static IEnumerable<(string Path, string Sha256)> Addressed(string root)
    {
        if (!Directory.Exists(root)) yield break;
        foreach (var top in Directory.EnumerateDirectories(root).Where(d => !Path.GetFileName(d).StartsWith('.')).Order(StringComparer.Ordinal))
            foreach (var file in Directory.EnumerateFiles(top, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
                if (Path.GetFileName(file) is var name && ContentStore.IsSha256(name)) yield return (file, name);
    }
}
