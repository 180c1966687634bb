using System.Collections.Immutable;
using Fleet.Shared.Distribution;
using Fleet.Shared.Serialization;
using static Fleet.Shared.Distribution.CampaignReplies;

namespace Fleet.Cloud.Campaigns;

/// <summary>
/// Campaigns with their immutable numbered versions, assignments and model artifacts, and the pure rules that change
/// them. The actor persists the events these functions return and does the I/O (signing, publishing to devices).
/// </summary>
public sealed record CampaignStoreState
{
    public ImmutableSortedDictionary<string, CampaignEntry> Campaigns { get; init; } = ImmutableSortedDictionary.Create<string, CampaignEntry>(StringComparer.Ordinal);
    public ImmutableSortedDictionary<string, ModelView> Models { get; init; } = ImmutableSortedDictionary.Create<string, ModelView>(StringComparer.Ordinal);
    /// <summary>Bumped by every change devices must hear about.</summary>
    public long Revision { get; init; }

    public sealed record CampaignEntry(string Id, string Name, ImmutableList<VersionEntry> Versions, ImmutableList<ImmutableSortedDictionary<string, string>> Assignments)
    {
        public VersionEntry Latest => Versions[^1];
    }

    public sealed record VersionEntry(CampaignEvents.VersionCreated Created, CampaignEvents.ManifestSigned? Signed);

    public (object Reply, IReadOnlyList<IFleetEvent> Events) Publish(CampaignCommands.PublishVersion cmd, DateTimeOffset now)
    {
        var existing = Campaigns.GetValueOrDefault(cmd.CampaignId);
        var same = existing?.Versions.FirstOrDefault(v => v.Created.ContentHash == cmd.ContentHash);
        // Same content again: the version that already holds it, nothing new stored or sent.
        if (same is not null) return (new Published(cmd.CampaignId, same.Created.Version, false, cmd.ContentHash), []);
        var version = (existing?.Latest.Created.Version ?? 0) + 1;
        var evt = new CampaignEvents.VersionCreated(cmd.CampaignId, cmd.Name, version, cmd.ContentHash, cmd.DraftJson, cmd.AssetShas, cmd.Bytes, now, cmd.By);
        return (new Published(cmd.CampaignId, version, true, cmd.ContentHash), [evt]);
    }

    public (object Reply, IReadOnlyList<IFleetEvent> Events) PublishModel(CampaignCommands.PublishModel cmd, DateTimeOffset now)
    {
        var id = $"{cmd.Name}@{cmd.Version}";
        if (Models.TryGetValue(id, out var known))
            return known.Sha256 == cmd.Sha256
                ? (new ModelPublished(known, false), [])
                : (new Refused(409, $"model {id} already exists with sha256 {known.Sha256}; versions are immutable, publish a new version"), []);
        var evt = new CampaignEvents.ModelPublished(cmd.Name, cmd.Version, cmd.Sha256, cmd.Size, now, cmd.By);
        return (new ModelPublished(new ModelView(cmd.Name, cmd.Version, cmd.Sha256, cmd.Size, now, cmd.By), true), [evt]);
    }

    public (object Reply, IReadOnlyList<IFleetEvent> Events) Assign(CampaignCommands.Assign cmd, DateTimeOffset now)
    {
        if (!Campaigns.TryGetValue(cmd.CampaignId, out var c)) return (new Refused(404, $"campaign '{cmd.CampaignId}' does not exist"), []);
        var selector = cmd.Tags.ToImmutableSortedDictionary(StringComparer.Ordinal);
        var reply = new Assigned(cmd.CampaignId, selector, c.Latest.Created.Version);
        return c.Assignments.Any(a => a.SequenceEqual(selector))
            ? (reply, [])
            : (reply, [new CampaignEvents.Assigned(cmd.CampaignId, selector, now, cmd.By)]);
    }

    /// <summary>True when a version has no signature yet, its key is no longer usable, or it expires within <paramref name="renewBefore"/>.</summary>
    public static bool NeedsSigning(VersionEntry v, Func<string, bool> kidUsable, DateTimeOffset now, TimeSpan renewBefore) =>
        v.Signed is not { } s || !kidUsable(s.Kid) || s.ExpiresAt - now < renewBefore;

    public AssignmentTable Table(string trustSetJson) => new(Revision,
        Campaigns.Values.SelectMany(c => c.Assignments.Select(a => new Assignment(c.Id, c.Latest.Created.Version, a))).ToList(),
        trustSetJson);

    /// <summary>Device tokens read only campaigns assigned to them, and only assets of those campaigns' versions.</summary>
    public Access CheckDevice(CampaignCommands.CheckDeviceAccess q)
    {
        var visible = Campaigns.Values.Where(c => c.Assignments.Any(a => new Assignment(c.Id, 0, a).Matches(q.DeviceTags))).ToList();
        if (q.CampaignId is { } id && visible.All(c => c.Id != id))
            return new Access(false, $"campaign '{id}' is not assigned to device '{q.DeviceId}'");
        if (q.AssetSha256 is { } sha && !visible.Any(c => c.Versions.Any(v => v.Created.AssetShas.Contains(sha))))
            return new Access(false, $"asset {sha} belongs to no campaign assigned to device '{q.DeviceId}'");
        return new Access(true, "");
    }

    public CampaignSummary Summary(CampaignEntry c) => new(c.Id, c.Name, c.Latest.Created.Version,
        c.Versions.Max(v => v.Created.At), c.Assignments.Select(a => (IReadOnlyDictionary<string, string>)a).ToList());

    public CampaignDetail Detail(CampaignEntry c) => new(Summary(c), c.Versions.Select(v => new VersionView(v.Created.Version, v.Created.ContentHash,
        v.Created.At, v.Created.By, v.Signed?.Kid, v.Signed?.ExpiresAt, v.Created.AssetShas.Count, v.Created.Bytes)).ToList());

    public CampaignStoreState Apply(IFleetEvent evt) => evt switch
    {
        CampaignEvents.VersionCreated v => this with
        {
            Campaigns = Campaigns.SetItem(v.CampaignId, Campaigns.TryGetValue(v.CampaignId, out var c)
                ? c with { Name = v.Name, Versions = c.Versions.Add(new VersionEntry(v, null)) }
                : new CampaignEntry(v.CampaignId, v.Name, [new VersionEntry(v, null)], [])),
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
        CampaignEvents.ModelPublished m => this with
        {
            Models = Models.SetItem($"{m.Name}@{m.Version}", new ModelView(m.Name, m.Version, m.Sha256, m.Size, m.At, m.By)),
        },
        CampaignEvents.ManifestSigned or CampaignEvents.Assigned => this,
        _ => throw new ArgumentOutOfRangeException(nameof(evt), evt.GetType().Name, "not a campaign store event"),
    };
}
