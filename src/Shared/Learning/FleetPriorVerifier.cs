using System.Text.Json;
using Fleet.Shared.Security;
using Fleet.Shared.Serialization;

namespace Fleet.Shared.Learning;

/// <summary>
/// Takes in a signed fleet prior: the signature must verify against the device's trust set (unknown, revoked or expired
/// keys are refused), the payload must be the prior of the campaign version asked for, and every row well formed.
/// </summary>
public static class FleetPriorVerifier
{
    /// <summary>The verified prior, or null with <paramref name="why"/> (one line).</summary>
    /// <param name="at">When it is taken in (a key whose validity ended before is refused); null for a prior already stored.</param>
    public static FleetPrior? Verify(ReadOnlySpan<byte> envelopeJson, TrustSet trust, string campaignId, string campaignVersion, DateTimeOffset? at, out string why)
    {
        var v = EnvelopeVerifier.Verify(envelopeJson, trust, at);
        if (!v.IsValid) { why = v.Message; return null; }
        FleetPrior? prior;
        try { prior = JsonSerializer.Deserialize<FleetPrior>(v.Payload, FleetJson.Options); }
        catch (JsonException e) { why = $"prior payload is not a fleet prior: {e.Message.Split('\n')[0]}"; return null; }
        if (prior?.Rows is null) { why = "prior payload is empty"; return null; }
        if (prior.CampaignId != campaignId || prior.CampaignVersion != campaignVersion)
        {
            why = $"prior is for campaign '{prior.CampaignId}' version {prior.CampaignVersion}, not '{campaignId}' version {campaignVersion}";
            return null;
        }
        if (prior.Rows.Select(r => r.Malformed()).FirstOrDefault(m => m is not null) is { } bad) { why = bad; return null; }
        why = "";
        return prior;
    }
}
