using System.Text.Json;
using Fleet.Shared.Assets;
using Fleet.Shared.Campaigns;
using Fleet.Shared.Manifests;
using Fleet.Shared.Security;
using Fleet.Shared.Serialization;

namespace Fleet.Edge.Manifests;

/// <summary>
/// The device's verified campaigns on disk, under <c>&lt;data&gt;/manifests</c>: <c>store/</c> (assets by sha256),
/// <c>trust.json</c>, and per campaign <c>current.json</c> and <c>previous.json</c> (signed envelopes) with one
/// loadable folder per kept version. It survives restarts and lets the device render with the cloud unreachable.
/// </summary>
public sealed class ManifestCache
{
    private const string Current = "current.json";
    private const string Previous = "previous.json";
    private const int KeptRejections = 20;

    public ManifestCache(string dataDir)
    {
        Root = Path.Combine(dataDir, "manifests");
        Directory.CreateDirectory(CampaignsRoot);
        Store = new ContentStore(Path.Combine(Root, "store"));
    }

    public string Root { get; }
    public ContentStore Store { get; }
    private string CampaignsRoot => Path.Combine(Root, "campaigns");
    public const string TrustFile = "trust.json";
    private string TrustPath => Path.Combine(Root, TrustFile);
    private string RejectionsPath => Path.Combine(Root, "rejections.json");
    private string RevisionPath => Path.Combine(Root, "assignments-revision");
    private string DirectivesPath => Path.Combine(Root, "assignments.json");

    /// <summary>The revision of the last verified assignment table (0: none yet), kept so a restart does not reopen the door to a replay.</summary>
    public long LoadAssignmentRevision() =>
        File.Exists(RevisionPath) && long.TryParse(File.ReadAllText(RevisionPath).Trim(), System.Globalization.CultureInfo.InvariantCulture, out var r) ? r : 0;

    public void SaveAssignmentRevision(long revision) =>
        Fleet.Shared.IO.PrivateFile.WriteNew(RevisionPath, revision.ToString(System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>
    /// The signed directives of the last verified assignment table, kept so its rollout model overlays outlive a restart
    /// without the cloud. Only the signature is kept and trusted: the caller verifies it again, as any received table.
    /// </summary>
    public AssignmentTable? LoadAssignments() =>
        File.Exists(DirectivesPath) ? new AssignmentTable(0, [], "", SignedJson: File.ReadAllText(DirectivesPath)) : null;

    public void SaveAssignments(AssignmentTable verified) => WriteAtomic(DirectivesPath, System.Text.Encoding.UTF8.GetBytes(verified.SignedJson!));

    /// <summary>The kept envelope (current, or previous) of each campaign that still verifies against <paramref name="trust"/>; expiry is not checked, so offline devices keep rendering.</summary>
    public Dictionary<string, SignedManifest> LoadInForce(TrustSet trust, Action<string, string> dropped)
    {
        var result = new Dictionary<string, SignedManifest>(StringComparer.Ordinal);
        foreach (var dir in Directory.EnumerateDirectories(CampaignsRoot))
        {
            foreach (var name in new[] { Current, Previous })
            {
                var path = Path.Combine(dir, name);
                if (!File.Exists(path)) continue;
                var (signed, error) = VerifyKept(File.ReadAllBytes(path), trust);
                if (signed is not null && Directory.Exists(FolderOf(signed.Manifest))) { result[signed.Manifest.CampaignId] = signed; break; }
                dropped(Path.GetFileName(dir), $"{name}: {error ?? "its folder is missing"}");
            }
        }
        return result;
    }

    /// <summary>Signature and structure only (no validity window): a device keeps what it once verified while offline.</summary>
    public static (SignedManifest? Signed, string? Error) VerifyKept(byte[] envelopeJson, TrustSet trust)
    {
        if (!SignedEnvelope.TryParse(envelopeJson, out var envelope, out var parseError)) return (null, parseError);
        var checkedEnvelope = EnvelopeVerifier.Verify(envelope!, trust);
        if (!checkedEnvelope.IsValid) return (null, checkedEnvelope.Message);
        var manifest = ManifestRules.TryDecode(checkedEnvelope.Payload!, out var error);
        return manifest is null ? (null, error) : (new SignedManifest(manifest, envelope!), null);
    }

    public string FolderOf(Manifest m) => Path.Combine(CampaignsRoot, m.CampaignId, $"v{m.Version}");

    /// <summary>Asset name → verified file in the store.</summary>
    public IReadOnlyDictionary<string, string> AssetPaths(Manifest m) =>
        m.Assets.ToDictionary(a => a.Name, a => Store.PathOf(a.Sha256), StringComparer.Ordinal);

    /// <summary>
    /// Writes the folder a render loads: <c>campaign.json</c> rebuilt from the verified manifest, <c>template.json</c>
    /// and <c>assets/&lt;sha256&gt;</c> as links to the verified store files. Written aside and renamed into place.
    /// </summary>
    public string Materialize(Manifest m)
    {
        var folder = FolderOf(m);
        if (Directory.Exists(folder)) return folder;
        var temp = folder + ".tmp-" + Guid.NewGuid().ToString("N")[..8];
        Directory.CreateDirectory(Path.Combine(temp, "assets"));
        var template = TemplateAsset(m);
        foreach (var a in m.Assets)
        {
            var link = Path.Combine(temp, "assets", a.Sha256);
            if (!File.Exists(link)) File.CreateSymbolicLink(link, Store.PathOf(a.Sha256));
        }
        File.CreateSymbolicLink(Path.Combine(temp, "template.json"), Store.PathOf(template.Sha256));
        var spec = m.ToSpec(m.Assets.Where(a => a != template).Select(a => new AssetRef(a.Name, $"assets/{a.Sha256}")).ToList());
        File.WriteAllBytes(Path.Combine(temp, CampaignLoaderFileName), JsonSerializer.SerializeToUtf8Bytes(spec, FleetJson.Indented));
        Directory.Move(temp, folder);
        return folder;
    }

    public const string CampaignLoaderFileName = "campaign.json";

    /// <summary>The template travels as an asset pinned by the manifest's template ref.</summary>
    public static ManifestAsset TemplateAsset(Manifest m) =>
        m.Assets.FirstOrDefault(a => a.Sha256 == m.Template.Sha256) ?? throw new InvalidOperationException($"manifest {m.CampaignId} v{m.Version} lists no template asset");

    /// <summary>Makes <paramref name="signed"/> the current version; the one it replaces becomes the previous one.</summary>
    public void Swap(SignedManifest signed)
    {
        var dir = Path.Combine(CampaignsRoot, signed.Manifest.CampaignId);
        Directory.CreateDirectory(dir);
        var current = Path.Combine(dir, Current);
        if (File.Exists(current) && VersionIn(current) is { } v && v != signed.Manifest.Version) File.Copy(current, Path.Combine(dir, Previous), overwrite: true);
        WriteAtomic(current, signed.ToJsonBytes());
    }

    /// <summary>Deletes assets and version folders no kept envelope refers to; returns bytes freed.</summary>
    public long CollectGarbage()
    {
        var keepShas = new HashSet<string>(StringComparer.Ordinal);
        foreach (var dir in Directory.EnumerateDirectories(CampaignsRoot))
        {
            var keptVersions = new HashSet<string>(StringComparer.Ordinal);
            foreach (var name in new[] { Current, Previous })
            {
                var path = Path.Combine(dir, name);
                if (!File.Exists(path) || Decode(File.ReadAllBytes(path)) is not { } m) continue;
                keptVersions.Add($"v{m.Version}");
                foreach (var a in m.Assets) keepShas.Add(a.Sha256);
            }
            foreach (var folder in Directory.EnumerateDirectories(dir))
                if (!keptVersions.Contains(Path.GetFileName(folder))) Directory.Delete(folder, recursive: true);
        }
        return Store.CollectGarbage(keepShas);
    }

    /// <summary>The campaigns among <paramref name="inForce"/> with an asset missing from the store (quarantined after a failed check).</summary>
    public IReadOnlySet<string> Incomplete(IEnumerable<SignedManifest> inForce) =>
        inForce.Where(s => s.Manifest.Assets.Any(a => !Store.Has(a.Sha256))).Select(s => s.Manifest.CampaignId).ToHashSet(StringComparer.Ordinal);

    /// <summary>Every asset the kept envelopes (current and previous) of <paramref name="dataDir"/> list; reads only, creates nothing.</summary>
    public static IEnumerable<(Manifest Manifest, ManifestAsset Asset)> KeptAssets(string dataDir)
    {
        var root = Path.Combine(dataDir, "manifests", "campaigns");
        if (!Directory.Exists(root)) yield break;
        foreach (var dir in Directory.EnumerateDirectories(root))
            foreach (var name in new[] { Current, Previous })
            {
                var path = Path.Combine(dir, name);
                if (File.Exists(path) && Decode(File.ReadAllBytes(path)) is { } m)
                    foreach (var a in m.Assets) yield return (m, a);
            }
    }

    public List<SyncRejection> LoadRejections()
    {
        try { return File.Exists(RejectionsPath) ? JsonSerializer.Deserialize<List<SyncRejection>>(File.ReadAllBytes(RejectionsPath), FleetJson.Options) ?? [] : []; }
        catch (JsonException) { return []; }
    }

    public void SaveRejections(IEnumerable<SyncRejection> rejections) =>
        WriteAtomic(RejectionsPath, JsonSerializer.SerializeToUtf8Bytes(rejections.TakeLast(KeptRejections).ToList(), FleetJson.Options));

    private static int? VersionIn(string envelopePath) => Decode(File.ReadAllBytes(envelopePath))?.Version;

    /// <summary>The manifest inside an envelope this device wrote itself (already verified when it was written).</summary>
    private static Manifest? Decode(byte[] envelopeJson) =>
        SignedEnvelope.TryParse(envelopeJson, out var e, out _) && e!.TryDecodePayload() is { } payload ? ManifestRules.TryDecode(payload, out _) : null;

    private static void WriteAtomic(string path, byte[] bytes)
    {
        var temp = path + ".tmp-" + Guid.NewGuid().ToString("N")[..8];
        using (var fs = new FileStream(temp, FileMode.CreateNew, FileAccess.Write))
        {
            fs.Write(bytes);
            fs.Flush(flushToDisk: true);
        }
        File.Move(temp, path, overwrite: true);
    }
}
