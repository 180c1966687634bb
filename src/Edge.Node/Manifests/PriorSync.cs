using System.Net.Http.Headers;
using Fleet.Edge.Personalisation.Bandit;
using Fleet.Shared.Learning;
using Fleet.Shared.Security;

namespace Fleet.Edge.Manifests;

/// <summary>
/// Fetches the fleet prior of one campaign version in force over HTTP with the device token, verifies it against the
/// device's trust set and the version asked for, and stores it (atomically) for the chooser. A refused prior is not
/// stored: the last good one stays.
/// </summary>
public sealed class PriorSync(HttpClient http, PriorFiles files, TimeProvider clock)
{
    public async Task<PriorOutcome> FetchAsync(Uri api, string token, string campaignId, int version, TrustSet trust, CancellationToken ct)
    {
        var v = version.ToString(System.Globalization.CultureInfo.InvariantCulture);
        byte[] envelope;
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(api, $"api/v1/campaigns/{Uri.EscapeDataString(campaignId)}/prior?version={v}"));
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            using var response = await http.SendAsync(request, ct);
            if (response.StatusCode == System.Net.HttpStatusCode.NotFound)
            {
                // Nothing learnt for this version yet: a prior held for an earlier version no longer applies.
                if (files.For(campaignId) is { } held && held.CampaignVersion != v) files.Remove(campaignId);
                return new PriorOutcome.NothingYet(campaignId, version);
            }
            if (!response.IsSuccessStatusCode)
                return new PriorOutcome.Failed(campaignId, version, $"the cloud answered {(int)response.StatusCode} {response.ReasonPhrase}");
            envelope = await response.Content.ReadAsByteArrayAsync(ct);
        }
        catch (Exception e) when (Shared.Http.FleetHttp.IsTransportFailure(e) && !ct.IsCancellationRequested)
        {
            return new PriorOutcome.Failed(campaignId, version, $"cloud unreachable ({e.Message})");
        }
        return Take(envelope, trust, campaignId, version, clock.GetUtcNow());
    }

    /// <summary>Verifies and stores a signed prior; a refusal stores nothing.</summary>
    public PriorOutcome Take(byte[] envelope, TrustSet trust, string campaignId, int version, DateTimeOffset now)
    {
        var prior = FleetPriorVerifier.Verify(envelope, trust, campaignId, version.ToString(System.Globalization.CultureInfo.InvariantCulture), now, out var why);
        if (prior is null) return new PriorOutcome.Refused(campaignId, version, why);
        files.Save(prior);
        return new PriorOutcome.Stored(campaignId, version, prior.Rows.Count, prior.Devices);
    }
}

/// <summary>How one prior fetch ended.</summary>
public abstract record PriorOutcome(string CampaignId, int Version)
{
    public sealed record Stored(string Campaign, int V, int Rows, int Devices) : PriorOutcome(Campaign, V);

    public sealed record NothingYet(string Campaign, int V) : PriorOutcome(Campaign, V);

    public sealed record Refused(string Campaign, int V, string Why) : PriorOutcome(Campaign, V);

    public sealed record Failed(string Campaign, int V, string Why) : PriorOutcome(Campaign, V);
}
