using System.Text.Json;
using Fleet.Shared.Assets;
using Fleet.Shared.Serialization;

namespace Fleet.Shared.Manifests;

/// <summary>Canonical bytes of a manifest and the structural checks a decoded manifest must pass before it is used.</summary>
public static class ManifestRules
{
    /// <summary>Compact snake_case UTF-8 JSON, field defaults sorted, so the same manifest always signs the same bytes.</summary>
    public static byte[] CanonicalBytes(Manifest manifest)
    {
        var sorted = new SortedDictionary<string, string>(manifest.FieldDefaults.ToDictionary(), StringComparer.Ordinal);
        return JsonSerializer.SerializeToUtf8Bytes(manifest with { FieldDefaults = sorted }, FleetJson.Options);
    }

    /// <summary>Decodes payload bytes; returns null and a reason when they are not a usable manifest.</summary>
    public static Manifest? TryDecode(byte[] payload, out string error)
    {
        Manifest? manifest;
        try
        {
            manifest = JsonSerializer.Deserialize<Manifest>(payload, FleetJson.Options);
        }
        catch (JsonException e)
        {
            error = "payload is not a manifest: " + e.Message;
            return null;
        }
        if (manifest is null) { error = "payload is null"; return null; }
        var problem = FirstProblem(manifest);
        error = problem ?? "";
        return problem is null ? manifest : null;
    }

    /// <summary>The first structural problem, or null; JSON nulls in non-nullable places are caught here too.</summary>
    public static string? FirstProblem(Manifest m)
    {
        if (string.IsNullOrWhiteSpace(m.CampaignId)) return "campaign_id is empty";
        // Checked before anything uses it: the id becomes a folder name on the device.
        if (!Campaigns.CampaignId.IsValid(m.CampaignId)) return "campaign_id is not a campaign id (lowercase letters, digits and '-', at most 64)";
        if (m.Version < 1) return "version must be at least 1";
        if (m.ExpiresAt <= m.IssuedAt) return "expires_at must be after issued_at";
        if (m.Template is null || m.Model is null) return "template and model refs are required";
        foreach (var (label, r) in new[] { ("template", m.Template), ("model", m.Model) })
        {
            if (string.IsNullOrWhiteSpace(r.Name) || string.IsNullOrWhiteSpace(r.Version)) return $"{label} ref needs a name and a version";
            if (!ContentStore.IsSha256(r.Sha256)) return $"{label} ref {r.Name}: sha256 is not 64 lowercase hex digits";
        }
        if (m.Copy?.Headlines is null || m.Copy.Ctas is null || m.Copy.Headlines.Count == 0 || m.Copy.Ctas.Count == 0)
            return "copy pool needs at least one headline and one CTA";
        if (m.DefaultCopy is null || m.Voice is null || m.Rules is null || m.Budget is null || m.FieldDefaults is null)
            return "default_copy, voice, rules, budget and field_defaults must not be null";
        foreach (var (name, pool) in m.Locales ?? new Dictionary<string, Campaigns.LocaleCopy>())
            if (pool?.Headlines is not { Count: > 0 } || pool.Ctas is not { Count: > 0 } || pool.DefaultCopy is null || pool.Blocklist is null)
                return $"locale '{name}' needs at least one headline, one CTA and its default copy";
        if (m.Assets is null) return "assets list is missing";
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var a in m.Assets)
        {
            if (a is null || string.IsNullOrWhiteSpace(a.Name)) return "an asset has no name";
            if (!names.Add(a.Name)) return $"asset '{a.Name}' is listed twice";
            if (!ContentStore.IsSha256(a.Sha256)) return $"asset '{a.Name}': sha256 is not 64 lowercase hex digits";
            if (a.Size < 0) return $"asset '{a.Name}': size is negative";
            if (string.IsNullOrWhiteSpace(a.Url)) return $"asset '{a.Name}': url is empty";
        }
        if (!names.Contains(m.StaticCreative ?? "")) return $"static creative '{m.StaticCreative}' is not among the assets";
        if (m.Holdout is < 0 or > 1 || double.IsNaN(m.Holdout)) return $"holdout {m.Holdout} is not a share between 0 and 1";
        if (m.Exploration is < 0 or > 1 || double.IsNaN(m.Exploration)) return $"exploration {m.Exploration} is not a share between 0 and 1";
        return null;
    }
}
