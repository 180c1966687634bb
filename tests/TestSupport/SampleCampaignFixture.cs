using System.Diagnostics;
using Fleet.Shared.Campaigns;
using Fleet.Shared.Rendering;

namespace Fleet.TestSupport;

/// <summary>
/// A private copy of samples/summer-sale (assets made by its own make-assets.sh, which locks and is idempotent) in a
/// temp folder, loaded and prepared once per test class.
/// </summary>
public sealed class SampleCampaignFixture : IDisposable
{
    public SampleCampaignFixture()
    {
        Root = Directory.CreateTempSubdirectory("fleet-sample-").FullName;
        var sample = Path.Combine(RepoRoot, "samples", "summer-sale");
        Run("bash", Path.Combine(sample, "make-assets.sh"));
        CampaignDir = Path.Combine(Root, "summer-sale");
        Directory.CreateDirectory(Path.Combine(CampaignDir, "assets"));
        foreach (var f in new[] { "campaign.json", "template.json" }) File.Copy(Path.Combine(sample, f), Path.Combine(CampaignDir, f));
        foreach (var f in new[] { "hero.mp4", "music.wav", "logo.png", "static.mp4" })
            File.Copy(Path.Combine(sample, "assets", f), Path.Combine(CampaignDir, "assets", f));
        Campaign = CampaignLoader.LoadDirectory(CampaignDir);
        Runner = new FfmpegRunner(timeout: TimeSpan.FromMinutes(2));
        Prepared = new TemplatePreparer(Runner).PrepareAsync(Campaign, Path.Combine(Root, "prepared")).GetAwaiter().GetResult();
    }

    public string Root { get; }
    public string CampaignDir { get; }
    public LoadedCampaign Campaign { get; }
    public PreparedTemplate Prepared { get; }
    public FfmpegRunner Runner { get; }

    public static string RepoRoot { get; } = FindRepoRoot();

    /// <summary>A fresh empty folder under this fixture's root.</summary>
    public string NewDir(string name) => Directory.CreateDirectory(Path.Combine(Root, $"{name}-{Guid.NewGuid():N}")).FullName;

    public Dictionary<string, string> Fields(string headline, string cta = "Shop now", string price = "$9.99") =>
        new() { ["headline"] = headline, ["cta"] = cta, ["price"] = price };

    public void Dispose()
    {
        try { Directory.Delete(Root, recursive: true); } catch (IOException) { }
    }

    public static string Run(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed: {stderr.Result}");
        return stdout.Result;
    }

    private static string FindRepoRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "Fleet.sln"))) return d.FullName;
        throw new InvalidOperationException("Fleet.sln not found above the test binaries");
    }
}
