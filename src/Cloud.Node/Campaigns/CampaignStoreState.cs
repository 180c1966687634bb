using System.Collections.Immutable;
using Fleet.Shared.Commands;
using Fleet.Shared.Campaigns;
using Fleet.Shared.Rollouts;
using Fleet.Shared.Serialization;
using static Fleet.Shared.Campaigns.CampaignReplies;

namespace Fleet.Cloud.Campaigns;

/// <summary>
/// Campaigns with their immutable numbered versions, assignments and model artifacts, and the pure rules that change
/// them. The actor persists the events these functions return and does the I/O (signing, publishing to devices).
/// </summary>
public sealed record CampaignStoreState : IArtifactCatalog
{
    public ImmutableSortedDictionary<string, CampaignEntry> Campaigns { get; init; } = ImmutableSortedDictionary.Create<string, CampaignEntry>(StringComparer.Ordinal);
    public ImmutableSortedDictionary<string, ModelView> Models { get; init; } = ImmutableSortedDictionary.Create<string, ModelView>(StringComparer.Ordinal);
    /// <summary>Rollout overlays on the assignment table, in the order they were first set.</summary>
    public ImmutableList<ArtifactOverlay> Overlays { get; init; } = ImmutableList<ArtifactOverlay>.Empty;
    /// <summary>The latest copy review decision per variant, keyed by <see cref="CopyReview.Key"/>.</summary>
    public ImmutableSortedDictionary<string, CampaignEvents.VariantReviewed> Reviews { get; init; } = ImmutableSortedDictionary.Create<string, CampaignEvents.VariantReviewed>(StringComparer.Ordinal);
    /// <summary>Bumped by every change devices must hear about.</summary>
    public long Revision { get; init; }

    public sealed record CampaignEntry(string Id, string Name, ImmutableList<VersionEntry> Versions, ImmutableList<ImmutableSortedDictionary<string, string>> Assignments)
    {
        /// <summary>Versions out of force: staged and not yet released, or rolled back.</summary>
        public ImmutableSortedSet<int> Withdrawn { get; init; } = ImmutableSortedSet<int>.Empty;

        /// <summary>Versions an operator or a rollback took out (as opposed to staged ones waiting for their rollout).</summary>
        public ImmutableSortedSet<int> Retracted { get; init; } = ImmutableSortedSet<int>.Empty;

        public VersionEntry Latest => Versions[^1];

        /// <summary>The newest version devices get (overlays aside); null while every version is withdrawn.</summary>
        public VersionEntry? InForce => Versions.LastOrDefault(v => !Withdrawn.Contains(v.Created.Version));
    }

    public sealed record VersionEntry(CampaignEvents.VersionCreated Created, CampaignEvents.ManifestSigned? Signed)
    {
        /// <summary>The template artifact this version carries, read from its draft once (null for a draft that is no manifest).</summary>
        public string? Template { get; } = TemplateOf(Created.DraftJson);
    }

    public (object Reply, IReadOnlyList<IFleetEvent> Events) Publish(CampaignCommands.PublishVersion cmd, DateTimeOffset now)
    {
        var existing = Campaigns.GetValueOrDefault(cmd.CampaignId);
        var same = existing?.Versions.FirstOrDefault(v => v.Created.ContentHash == cmd.ContentHash);
        // Same content again: the version that already holds it, nothing new stored or sent.
        if (same is not null) return (new Published(cmd.CampaignId, same.Created.Version, false, cmd.ContentHash), []);
        var version = (existing?.Latest.Created.Version ?? 0) + 1;
        var evt = new CampaignEvents.VersionCreated(cmd.CampaignId, cmd.Name, version, cmd.ContentHash, cmd.DraftJson, cmd.AssetShas, cmd.Bytes, now, cmd.By, cmd.Staged);
        return (new Published(cmd.CampaignId, version, true, cmd.ContentHash), [evt]);
    }

    public (object Reply, IReadOnlyList<IFleetEvent> Events) PublishModel(CampaignCommands.PublishModel cmd, DateTimeOffset now)
    {
        var id = $"{cmd.Name}@{cmd.Version}";
        if (Models.TryGetValue(id, out var known))
            return known.Sha256 == cmd.Sha256
                ? (new ModelPublished(known, false), [])
                : (Refused.Conflict($"model {id} already exists with sha256 {known.Sha256}; versions are immutable, publish a new version"), []);
        var evt = new CampaignEvents.ModelPublished(cmd.Name, cmd.Version, cmd.Sha256, cmd.Size, now, cmd.By);
        return (new ModelPublished(new ModelView(cmd.Name, cmd.Version, cmd.Sha256, cmd.Size, now, cmd.By), true), [evt]);
    }

    public (object Reply, IReadOnlyList<IFleetEvent> Events) Assign(CampaignCommands.Assign cmd, DateTimeOffset now)
    {
        if (!Campaigns.TryGetValue(cmd.CampaignId, out var c)) return (Refused.NotFound($"campaign '{cmd.CampaignId}' does not exist"), []);
        var selector = cmd.Tags.ToImmutableSortedDictionary(StringComparer.Ordinal);
        var reply = new Assigned(cmd.CampaignId, selector, c.InForce?.Created.Version ?? 0);
        return c.Assignments.Any(a => a.SequenceEqual(selector))
            ? (reply, [])
            : (reply, [new CampaignEvents.Assigned(cmd.CampaignId, selector, now, cmd.By)]);
    }

    /// <summary>The copy review of one version, or 404 when the campaign has no such version.</summary>
    public ReviewAnswer Review(string campaignId, int version) =>
        Campaigns.TryGetValue(campaignId, out var c) && c.Versions.FirstOrDefault(v => v.Created.Version == version) is { } entry
            ? new ReviewAnswer(CopyReview.View(campaignId, version, entry.Created.DraftJson, id => Reviews.GetValueOrDefault(CopyReview.Key(campaignId, version, id))))
            : new ReviewAnswer(null, 404, $"campaign '{campaignId}' has no version {version}");

    /// <summary>Records one approve/reject decision; refuses an unknown variant (404) and a rejection without a reason (400).</summary>
    public (ReviewAnswer Reply, IReadOnlyList<IFleetEvent> Events) ReviewVariant(CampaignCommands.ReviewVariant cmd, DateTimeOffset now)
    {
        var current = Review(cmd.CampaignId, cmd.Version);
        if (current.Review is not { } view) return (current, []);
        if (view.Variants.All(v => v.Id != cmd.VariantId))
            return (new ReviewAnswer(null, 404, $"campaign '{cmd.CampaignId}' v{cmd.Version} has no copy variant '{cmd.VariantId}'"), []);
        var why = cmd.Why.Trim();
        if (!cmd.Approve && why.Length == 0) return (new ReviewAnswer(null, 400, "a rejection needs a reason (--reason)"), []);
        var evt = new CampaignEvents.VariantReviewed(cmd.CampaignId, cmd.Version, cmd.VariantId, cmd.Approve, cmd.By, cmd.Role, why, now);
        return ((this with { Reviews = Reviews.SetItem(CopyReview.Key(cmd.CampaignId, cmd.Version, cmd.VariantId), evt) }).Review(cmd.CampaignId, cmd.Version), [evt]);
    }

    /// <summary>True when a version has no signature yet, its key is no longer usable, or it expires within <paramref name="renewBefore"/>.</summary>
    public static bool NeedsSigning(VersionEntry v, Func<string, bool> kidUsable, DateTimeOffset now, TimeSpan renewBefore) =>
        v.Signed is not { } s || !kidUsable(s.Kid) || s.ExpiresAt - now < renewBefore;

    private static CampaignEntry Staging(CampaignEvents.VersionCreated v, CampaignEntry c) =>
        v.Staged ? c with { Withdrawn = c.Withdrawn.Add(v.Version) } : c;

    public AssignmentTable Table(string trustSetJson) => new(Revision,
        Campaigns.Values.Where(c => c.InForce is not null)
            // A withdrawn version above the one in force was rolled back: devices still on it are directed down.
            .SelectMany(c => c.Assignments.Select(a => new Assignment(c.Id, c.InForce!.Created.Version, a, c.Withdrawn.Any(w => w > c.InForce.Created.Version)))).ToList(),
        trustSetJson, Overlays, Withdrawn: Campaigns.Values
            .SelectMany(c => c.Retracted.Where(v => !Directed(c.Id, v)).Select(v => new WithdrawnVersion(c.Id, v))).ToList());

    /// <summary>
    /// True when a version is out of the fleet: retracted and no rollout overlay directs devices to it. The store
    /// neither signs nor serves such a version, so no device can be talked back onto it.
    /// </summary>
    public bool IsOutOfFleet(string campaignId, int version) =>
        Campaigns.TryGetValue(campaignId, out var c) && c.Retracted.Contains(version) && !Directed(campaignId, version);

    private bool Directed(string campaignId, int version) =>
        Overlays.Any(o => o.Kind == ArtifactKind.Campaign && o.Name == campaignId
            && (o.Version == version.ToString(System.Globalization.CultureInfo.InvariantCulture) || o.HoldVersion == version));

    /// <summary>Checks a rollout artifact exists and finds the baseline it keeps (its kind says how).</summary>
    public object Resolve(RolloutArtifact artifact) => artifact.Kind.Resolve(artifact, this);

    ModelView? IArtifactCatalog.PublishedModel(string id) => Models.GetValueOrDefault(id);

    string? IArtifactCatalog.ModelDirectedFleetWide(string name) =>
        Overlays.LastOrDefault(o => o.Kind == ArtifactKind.Model && o.Name == name && o.Devices is null)?.ArtifactId;

    bool IArtifactCatalog.CampaignExists(string campaignId) => Campaigns.ContainsKey(campaignId);

    bool IArtifactCatalog.HasVersion(string campaignId, int version) =>
        Campaigns.TryGetValue(campaignId, out var c) && c.Versions.Any(x => x.Created.Version == version);

    (string CampaignId, int Version)? IArtifactCatalog.TemplateOwner(string templateId) =>
        Campaigns.Values.SelectMany(e => e.Versions.Select(x => (Entry: e, Version: x))).FirstOrDefault(x => x.Version.Template == templateId) is { Entry: { } owner } found
            ? (owner.Id, found.Version.Created.Version)
            : null;

    int? IArtifactCatalog.InForceBefore(string campaignId, int version) =>
        Campaigns.TryGetValue(campaignId, out var c)
            && c.Versions.Select(x => x.Created.Version).Where(x => x < version && !c.Withdrawn.Contains(x)).DefaultIfEmpty(0).Max() is var previous and > 0
            ? previous
            : null;

    private static string? TemplateOf(string draftJson)
    {
        try { return System.Text.Json.JsonSerializer.Deserialize<Fleet.Shared.Manifests.Manifest>(draftJson, FleetJson.Options)?.Template.Id; }
        catch (System.Text.Json.JsonException) { return null; }
    }

    public (object Reply, IReadOnlyList<IFleetEvent> Events) SetOverlay(ArtifactOverlay overlay, DateTimeOffset now) =>
        Overlays.FirstOrDefault(o => o.RolloutId == overlay.RolloutId) is { } known && Same(known, overlay)
            ? (new OverlayApplied($"overlay {overlay.RolloutId} unchanged", Revision), [])
            : (new OverlayApplied($"overlay {overlay.RolloutId} set", Revision + 1), [new CampaignEvents.OverlaySet(overlay, now)]);

    public (object Reply, IReadOnlyList<IFleetEvent> Events) ClearOverlay(string rolloutId, DateTimeOffset now) =>
        Overlays.All(o => o.RolloutId != rolloutId)
            ? (new OverlayApplied($"overlay {rolloutId} already cleared", Revision), [])
            : (new OverlayApplied($"overlay {rolloutId} cleared", Revision + 1), [new CampaignEvents.OverlayCleared(rolloutId, now)]);

    public (object Reply, IReadOnlyList<IFleetEvent> Events) Mark(CampaignCommands.MarkVersion cmd, DateTimeOffset now)
    {
        if (!Campaigns.TryGetValue(cmd.CampaignId, out var c) || c.Versions.All(v => v.Created.Version != cmd.Version))
            return (Refused.NotFound($"campaign '{cmd.CampaignId}' has no version {cmd.Version}"), []);
        var what = $"{cmd.CampaignId} v{cmd.Version} {(cmd.Withdrawn ? "withdrawn" : "in force")}";
        // Withdrawing a staged version (already out of force) still retracts it, so it is never served again.
        var unchanged = cmd.Withdrawn ? c.Retracted.Contains(cmd.Version) : !c.Withdrawn.Contains(cmd.Version);
        return unchanged
            ? (new OverlayApplied(what, Revision), [])
            : (new OverlayApplied(what, Revision + 1), [new CampaignEvents.VersionMarked(cmd.CampaignId, cmd.Version, cmd.Withdrawn, cmd.By, cmd.Why, now)]);
    }

    private static bool Same(ArtifactOverlay a, ArtifactOverlay b) => Canonical(a) == Canonical(b);

    private static string Canonical(ArtifactOverlay o) =>
        $"{o.Kind}|{o.Name}@{o.Version}|{o.Sha256}|{o.HoldVersion}|{(o.Devices is null ? "*" : string.Join(',', o.Devices.Order(StringComparer.Ordinal)))}|" +
        string.Join(',', o.Tags.OrderBy(t => t.Key, StringComparer.Ordinal).Select(t => $"{t.Key}={t.Value}"));

    /// <summary>Device tokens read only campaigns assigned to them, and only assets of those campaigns' versions.</summary>
    public Access CheckDevice(CampaignCommands.CheckDeviceAccess q)
    {
        var visible = Campaigns.Values.Where(c => c.Assignments.Any(a => new Assignment(c.Id, 0, a).Matches(q.DeviceTags))).ToList();
        if (q.CampaignId is { } id && visible.All(c => c.Id != id))
            return new Access(false, $"campaign '{id}' is not assigned to device '{q.DeviceId}'");
        if (q.AssetSha256 is { } sha && !visible.Any(c => c.Versions.Any(v => v.Created.AssetShas.Contains(sha)))
            && !Overlays.Any(o => o.Kind == ArtifactKind.Model && o.Sha256 == sha && o.AppliesTo(q.DeviceId, q.DeviceTags)))
            return new Access(false, $"asset {sha} belongs to no campaign assigned to device '{q.DeviceId}'");
        return new Access(true, "");
    }

    public CampaignSummary Summary(CampaignEntry c) => new(c.Id, c.Name, c.Latest.Created.Version,
        c.Versions.Max(v => v.Created.At), c.Assignments.Select(a => (IReadOnlyDictionary<string, string>)a).ToList());

    public CampaignDetail Detail(CampaignEntry c) => new(Summary(c), c.Versions.Select(v => new VersionView(v.Created.Version, v.Created.ContentHash,
        v.Created.At, v.Created.By, v.Signed?.Kid, v.Signed?.ExpiresAt, v.Created.AssetShas.Count, v.Created.Bytes,
        v.Template, !c.Withdrawn.Contains(v.Created.Version))).ToList());

    public CampaignsSnapshot ToSnapshot() => new(
        Campaigns.Values.Select(c => new CampaignsSnapshot.Campaign(c.Id, c.Name, c.Versions.Select(v => new CampaignsSnapshot.Version(v.Created, v.Signed)).ToList(),
            c.Assignments.Select(a => (IReadOnlyDictionary<string, string>)a).ToList(), c.Withdrawn.ToList(), c.Retracted.ToList())).ToList(),
        Models.Values.ToList(), Overlays, Revision, Reviews.Values.ToList());

    public static CampaignStoreState FromSnapshot(CampaignsSnapshot s) => new()
    {
        Campaigns = s.Campaigns.ToImmutableSortedDictionary(c => c.Id, c => new CampaignEntry(c.Id, c.Name,
            c.Versions.Select(v => new VersionEntry(v.Created, v.Signed)).ToImmutableList(),
            c.Assignments.Select(a => a.ToImmutableSortedDictionary(StringComparer.Ordinal)).ToImmutableList())
        {
            Withdrawn = c.Withdrawn.ToImmutableSortedSet(),
            Retracted = c.Retracted.ToImmutableSortedSet(),
        }, StringComparer.Ordinal),
        Models = s.Models.ToImmutableSortedDictionary(m => $"{m.Name}@{m.Version}", m => m, StringComparer.Ordinal),
        Overlays = s.Overlays.ToImmutableList(),
        Revision = s.Revision,
        Reviews = (s.Reviews ?? []).ToImmutableSortedDictionary(r => CopyReview.Key(r.CampaignId, r.Version, r.VariantId), r => r, StringComparer.Ordinal),
    };

    public CampaignStoreState Apply(IFleetEvent evt) => evt switch
    {
        CampaignEvents.VersionCreated v => this with
        {
            Campaigns = Campaigns.SetItem(v.CampaignId, Staging(v, Campaigns.TryGetValue(v.CampaignId, out var c)
                ? c with { Name = v.Name, Versions = c.Versions.Add(new VersionEntry(v, null)) }
                : new CampaignEntry(v.CampaignId, v.Name, [new VersionEntry(v, null)], []))),
            Revision = Revision + 1,
        },
        CampaignEvents.VersionMarked m when Campaigns.TryGetValue(m.CampaignId, out var c) => this with
        {
            Campaigns = Campaigns.SetItem(m.CampaignId, m.Withdrawn
                ? c with { Withdrawn = c.Withdrawn.Add(m.Version), Retracted = c.Retracted.Add(m.Version) }
                : c with { Withdrawn = c.Withdrawn.Remove(m.Version), Retracted = c.Retracted.Remove(m.Version) }),
            Revision = Revision + 1,
        },
        CampaignEvents.OverlaySet o => this with
        {
            Overlays = Overlays.FindIndex(x => x.RolloutId == o.Overlay.RolloutId) is var i and >= 0 ? Overlays.SetItem(i, o.Overlay) : Overlays.Add(o.Overlay),
            Revision = Revision + 1,
        },
        CampaignEvents.OverlayCleared o => this with
        {
            Overlays = Overlays.RemoveAll(x => x.RolloutId == o.RolloutId),
            Revision = Revision + 1,
        },
        CampaignEvents.ManifestSigned s when Campaigns.TryGetValue(s.CampaignId, out var c) => this with
        {
            Campaigns = Campaigns.SetItem(s.CampaignId, c with
            {
                Versions = c.Versions.Select(v => v.Created.Version == s.Version ? v with { Signed = s } : v).ToImmutableList(),
            }),
        },
        CampaignEvents.Assigned a when Campaigns.TryGetValue(a.CampaignId, out var c) => this with
        {
            Campaigns = Campaigns.SetItem(a.CampaignId, c with { Assignments = c.Assignments.Add(a.Tags.ToImmutableSortedDictionary(StringComparer.Ordinal)) }),
            Revision = Revision + 1,
        },
        CampaignEvents.VariantReviewed r => this with { Reviews = Reviews.SetItem(CopyReview.Key(r.CampaignId, r.Version, r.VariantId), r) },
        CampaignEvents.ModelPublished m => this with
        {
            Models = Models.SetItem($"{m.Name}@{m.Version}", new ModelView(m.Name, m.Version, m.Sha256, m.Size, m.At, m.By)),
        },
        CampaignEvents.ManifestSigned or CampaignEvents.Assigned or CampaignEvents.VersionMarked => this,
        _ => throw new ArgumentOutOfRangeException(nameof(evt), evt.GetType().Name, "not a campaign store event"),
    };
}
