using Fleet.Shared.Personalisation.Embedding;

namespace Fleet.Integration.Tests;

/// <summary><c>fleet-cloud model quantize</c> as an operator runs it, on the real model: written when it agrees, refused (nothing written) when not.</summary>
public sealed class ModelQuantizeCliTests
{
    [Fact]
    public async Task An_int8_copy_that_agrees_is_written_and_one_that_does_not_is_refused_with_its_numbers()
    {
        using var tmp = new TempDir();
        var good = tmp.Sub("good/model.onnx");
        var bad = tmp.Sub("bad/model.onnx");

        using (var ok = Quantize("--out", good, "--plan", "weight-only"))
            Assert.Equal(0, await ok.WaitForExitAsync(TimeSpan.FromMinutes(2)));
        Assert.True(new FileInfo(good).Length * 3 < new FileInfo(MiniLmOptions.Default.ModelPath).Length);

        using var refused = Quantize("--out", bad, "--plan", "weight-only", "--bits", "2");
        Assert.Equal(1, await refused.WaitForExitAsync(TimeSpan.FromMinutes(2)));
        var error = Assert.Single(refused.Lines, l => l.Contains("refused"));
        Assert.Contains("cosine mean", error);
        Assert.Contains("copy agreement", error);
        Assert.False(Directory.Exists(Path.GetDirectoryName(bad)) && Directory.EnumerateFiles(Path.GetDirectoryName(bad)!).Any());
    }

    private static FleetProcess Quantize(params string[] more) =>
        FleetProcess.Cloud(["model", "quantize", MiniLmOptions.Default.ModelPath, "--contexts", "40", .. more]);
}
