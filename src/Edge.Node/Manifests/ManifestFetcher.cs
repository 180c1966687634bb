using System.Net.Http.Headers;
using Fleet.Shared.Assets;
using Fleet.Shared.Cli;
using Fleet.Shared.Campaigns;
using Fleet.Shared.Manifests;
using Fleet.Shared.Security;
using Fleet.Shared.Serialization;

namespace Fleet.Edge.Manifests;

/// <summary>
/// One sync of one campaign version over HTTP with the device token: fetch the signed manifest, verify it, fetch the
/// missing assets (resumable, sha256-checked, atomic), and prepare its folder. Nothing is swapped in here.
/// </summary>
public sealed class ManifestFetcher(HttpClient http, ManifestCache cache, TimeProvider clock)
{
    private readonly AssetDownloader _downloader = new(http, cache.Store);

    public async Task<FetchOutcome> FetchAsync(Uri api, string token, Assignment row, RunningCampaign? current, TrustSet trust, CancellationToken ct)
    {
        var id = row.CampaignId;
        byte[] envelope;
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(api, $"api/v1/campaigns/{Uri.EscapeDataString(id)}/versions/{row.Version}/manifest"));
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            using var response = await http.SendAsync(request, ct);
            if (!response.IsSuccessStatusCode)
                return new FetchOutcome.Failed(id, row.Version, $"manifest {id} v{row.Version}: the cloud answered {(int)response.StatusCode} {response.ReasonPhrase}",
                    CredentialsRefused: response.StatusCode == System.Net.HttpStatusCode.Unauthorized);
            envelope = await response.Content.ReadAsByteArrayAsync(ct);
        }
        catch (Exception e) when (Shared.Http.FleetHttp.IsTransportFailure(e) && !ct.IsCancellationRequested)
        {
            return new FetchOutcome.Failed(id, row.Version, $"manifest {id} v{row.Version}: cloud unreachable ({e.Message})");
        }

        var verified = ManifestVerifier.Verify(envelope, trust, clock.GetUtcNow());
        if (!verified.IsValid) return new FetchOutcome.Rejected(id, row.Version, FleetJson.Name(verified.Reason!.Value), verified.Message);
        var m = verified.Manifest!;
        if (SyncPlan.RefuseSwap(current, row, m.CampaignId, m.Version) is { } refusal)
            return new FetchOutcome.Rejected(id, row.Version, "wrong-version", refusal);

        foreach (var asset in m.Assets)
        {
            try
            {
                await _downloader.DownloadAsync(asset with { Url = new Uri(api, asset.Url).ToString() },
                    new DownloadOptions { BearerToken = token, MaxAttempts = 2 }, ct);
            }
            catch (FleetException e) when (e.Message.Contains(" rejected: ", StringComparison.Ordinal))
            {
                return new FetchOutcome.Rejected(id, row.Version, "asset-mismatch", e.Message);
            }
            catch (Exception e) when ((e is FleetException || Shared.Http.FleetHttp.IsTransportFailure(e)) && !ct.IsCancellationRequested)
            {
                return new FetchOutcome.Failed(id, row.Version, e.Message);
            }
        }
        cache.Materialize(m);
        return new FetchOutcome.Verified(verified.Signed!);
    }
}

/// <summary>How one fetch ended: verified and ready, refused for a reason (kept out), or not possible now (retried).</summary>
public abstract record FetchOutcome(string CampaignId, int Version)
{
    public sealed record Verified(SignedManifest Signed) : FetchOutcome(Signed.Manifest.CampaignId, Signed.Manifest.Version);

    public sealed record Rejected(string Campaign, int V, string Reason, string Message) : FetchOutcome(Campaign, V);

    /// <summary><see cref="CredentialsRefused"/>: the API refused the device's token (replaced by a newer registration, say).</summary>
    public sealed record Failed(string Campaign, int V, string Message, bool CredentialsRefused = false) : FetchOutcome(Campaign, V);
}
