using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Fleet.Cloud.Api;
using Fleet.Shared.Learning;
using Fleet.Shared.Security;
using Fleet.Shared.Serialization;

namespace Fleet.Cloud.Cli;

/// <summary><c>fleet-cloud campaign prior ID [--version N] [--json]</c>: the signed fleet prior devices start their bandit from.</summary>
internal static class CampaignPriorCommand
{
    public static Command Create()
    {
        var version = CliOption.Text("--version", "the campaign version (default: the latest)", "N");
        return new Command("prior", "what the fleet learnt, signed, that devices start their bandit from") { version }
            .WithDetails("""
                Per context bucket and copy variant: the impressions, clicks and completes the fleet reported, each row
                capped (rates kept), signed by the cloud.
                """)
            .OnCampaign((r, api, id) => RunAsync(api, id, r.GetValue(version), r.GetValue(FleetCli.Json)));
    }

    private static async Task<int> RunAsync(ApiClient api, string id, string? version, bool json)
    {
        var query = version is null ? "" : "?version=" + Uri.EscapeDataString(version);
        var envelope = await api.GetAsync<SignedEnvelope>($"api/v1/campaigns/{Uri.EscapeDataString(id)}/prior{query}");
        var prior = envelope.TryDecodePayload() is { } bytes ? JsonSerializer.Deserialize<FleetPrior>(bytes, FleetJson.Options) : null;
        if (prior is null) throw new FleetException($"campaign {id}: the cloud answered a prior that does not decode");
        Console.Write(json ? CliJson.Of(prior) : Table(prior, envelope.Kid));
        return 0;
    }

    internal static string Table(FleetPrior p, string kid)
    {
        var sb = new StringBuilder($"campaign {p.CampaignId} v{p.CampaignVersion}: fleet prior from {p.Devices} device(s), issued {p.IssuedAt:u}, signed by {kid}\n");
        sb.AppendLine($"(each row capped at {FleetPriors.DefaultMaxImpressions} impressions, rates kept)").AppendLine();
        return sb.Append(TextTable.Render(["BUCKET", "VARIANT", "IMPR", "CLICKS", "COMPLETES", "CTR", "VTR"],
            p.Rows.Select(r => (IReadOnlyList<string>)[r.Bucket, r.VariantId, N(r.Impressions), N(r.Clicks), N(r.Completes),
                Pct(r.Clicks, r.Impressions), Pct(r.Completes, r.Impressions)]))).ToString();
    }

    private static string N(long n) => n.ToString("N0", CultureInfo.InvariantCulture);

    private static string Pct(long n, long of) => of == 0 ? "-" : ((double)n / of * 100).ToString("0.00", CultureInfo.InvariantCulture) + "%";
}
