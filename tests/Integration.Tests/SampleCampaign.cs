using System.Diagnostics;
using System.Text.Json.Nodes;

namespace Fleet.Integration.Tests;

/// <summary>The repository's sample campaign (samples/summer-sale) copied into a test folder, assets made once by its script.</summary>
public static class SampleCampaign
{
    private static readonly Lazy<string> GeneratedAssets = new(Generate);

    public static string RepoRoot
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "Fleet.sln"))) return dir.FullName;
            throw new InvalidOperationException("Fleet.sln not found above the test binaries");
        }
    }

    public static string SampleDir => Path.Combine(RepoRoot, "samples", "summer-sale");

    /// <summary>A complete, valid campaign folder; <paramref name="edit"/> may change campaign.json before it is written.</summary>
    public static string CopyTo(string dir, Action<JsonObject>? edit = null)
    {
        Directory.CreateDirectory(Path.Combine(dir, "assets"));
        var spec = JsonNode.Parse(File.ReadAllText(Path.Combine(SampleDir, "campaign.json")))!.AsObject();
        edit?.Invoke(spec);
        File.WriteAllText(Path.Combine(dir, "campaign.json"), spec.ToJsonString());
        File.Copy(Path.Combine(SampleDir, "template.json"), Path.Combine(dir, "template.json"), overwrite: true);
        foreach (var f in new[] { "hero.mp4", "music.wav", "logo.png", "static.mp4" })
            File.Copy(Path.Combine(GeneratedAssets.Value, f), Path.Combine(dir, "assets", f), overwrite: true);
        return dir;
    }

    /// <summary>Makes the copied campaign's template greet the viewer by first name, with first_name and loyalty_id marked pii.</summary>
    public static string MarkPersonal(string dir)
    {
        var path = Path.Combine(dir, "template.json");
        var t = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        t["pii"] = new JsonArray("first_name", "loyalty_id");
        t["layers"]!.AsArray().Add(new JsonObject { ["type"] = "text", ["text"] = "Hi {{first_name}}", ["start_frame"] = 210, ["end_frame"] = 300, ["y"] = 40 });
        File.WriteAllText(path, t.ToJsonString());
        return dir;
    }

    /// <summary>Adds an extra asset of <paramref name="bytes"/> random bytes (for transfer measurements).</summary>
    public static void AddFiller(string dir, string name, int bytes, int seed)
    {
        var data = new byte[bytes];
        new Random(seed).NextBytes(data);
        File.WriteAllBytes(Path.Combine(dir, "assets", name + ".bin"), data);
        var specPath = Path.Combine(dir, "campaign.json");
        var spec = JsonNode.Parse(File.ReadAllText(specPath))!.AsObject();
        spec["assets"]!.AsArray().Add(new JsonObject { ["name"] = name, ["path"] = $"assets/{name}.bin" });
        File.WriteAllText(specPath, spec.ToJsonString());
    }

    private static string Generate()
    {
        var outDir = Path.Combine(Path.GetTempPath(), "fleet-test-sample-assets");
        var psi = new ProcessStartInfo("bash") { RedirectStandardError = true, RedirectStandardOutput = true };
        psi.ArgumentList.Add(Path.Combine(SampleDir, "make-assets.sh"));
        psi.ArgumentList.Add(outDir);
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"make-assets.sh failed: {err.Result}");
        return outDir;
    }
}
