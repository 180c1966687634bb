using System.CommandLine;
using System.Text.Json;
using Fleet.Edge.Store;
using Fleet.Shared.Cli;
using Fleet.Shared.Serialization;

namespace Fleet.Edge.Cli;

/// <summary><c>fleet-edge store verify [--data DIR] [--json]</c>: the background scrub, now, at full speed.</summary>
public static class StoreVerb
{
    public static Command Create()
    {
        var data = CliOption.Text("--data", "./data/edge", "the device's data folder", "DIR");
        data.Recursive = true;
        var verify = new Command("verify", "hash every stored file again now; exit 1 if one is corrupt or missing").WithDetails("""
            Hashes every file the device keeps by sha256 (campaign assets under <data>/manifests/store, downloaded models and
            the model copies renders load under <data>/models), as the agent's daily scrub does. A file that does not match
            is quarantined (moved to <data>/quarantine): a running agent renders its fallback and fetches it again. A file
            a kept manifest lists but the store lacks (quarantined earlier, not yet fetched again) is reported missing.
            Exits 1 when a file was corrupt or missing, 0 when all match.
            """);
        verify.SetAction(r => VerifyAsync(r.GetValue(data)!, r.GetValue(FleetCli.Json)));
        return new Command("store", "'store verify': hash every stored asset and model again now; exit 1 if one is corrupt") { data, verify };
    }

    private static async Task<int> VerifyAsync(string dataDir, bool json)
    {
        var data = Path.GetFullPath(dataDir);
        if (!StoreScrub.Exists(data)) throw new FleetException($"no device store under {data} (expected manifests/store or models)");
        var quarantined = new List<AssetQuarantined>();
        var report = await StoreScrub.RunAsync(new AssetGuard(data, q => { lock (quarantined) quarantined.Add(q); }), data);
        if (json)
        {
            Console.WriteLine(JsonSerializer.Serialize(new { report.Checked, report.Bytes, report.Seconds, report.Clean, report.Problems, Quarantined = quarantined }, FleetJson.Indented));
            return report.Clean ? 0 : 1;
        }
        foreach (var p in report.Problems)
            Console.WriteLine($"{p.State.ToUpperInvariant()}  {p.What}  {p.Path}" + (quarantined.FirstOrDefault(q => q.Path == p.Path) is { } q
                ? $"\n         {q.Problem}; {(q.MovedTo is null ? "deleted" : "moved to " + q.MovedTo)}"
                : ""));
        Console.WriteLine($"{report.Checked} file(s), {report.Bytes} bytes checked in {report.Seconds:0.00} s: " +
                          (report.Clean ? "all match their sha256" : $"{report.Problems.Count} failed"));
        return report.Clean ? 0 : 1;
    }
}
