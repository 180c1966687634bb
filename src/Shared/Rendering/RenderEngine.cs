using System.Diagnostics;
using System.Text;

namespace Fleet.Shared.Rendering;

/// <summary>
/// Runs a <see cref="RenderPlan"/>: writes its files into a private work folder, runs its ffmpeg steps, and renames the
/// finished MP4 onto the output path. A failed, killed or cancelled render leaves no file at the output path and no litter.
/// </summary>
public sealed class RenderEngine(FfmpegRunner runner, string? workRoot = null)
{
    private static readonly UTF8Encoding Utf8NoBom = new(encoderShouldEmitUTF8Identifier: false);

    public FfmpegRunner Runner => runner;

    /// <summary>Fast path: personalised ranges re-encoded, the rest stream-copied (see <see cref="RenderPlanner.PlanFast"/>).</summary>
    public Task<RenderResult> RenderFastAsync(PreparedTemplate prepared, RenderRequest request, string outputPath, CancellationToken ct = default) =>
        RunAsync((work, temp) => RenderPlanner.PlanFast(prepared, request, work, temp), outputPath, ct);

    /// <summary>Full re-encode (naive baseline, or an encoder the template was not prepared with).</summary>
    public Task<RenderResult> RenderFullAsync(PreparedTemplate prepared, RenderRequest request, string outputPath, CancellationToken ct = default) =>
        RunAsync((work, temp) => RenderPlanner.PlanFull(prepared, request, work, temp), outputPath, ct);

    /// <summary>Fast path when the request's encoder is the template's own (or unset), full path otherwise.</summary>
    public Task<RenderResult> RenderAsync(PreparedTemplate prepared, RenderRequest request, string outputPath, CancellationToken ct = default) =>
        request.Encoder is null || request.Encoder == prepared.Encoder
            ? RenderFastAsync(prepared, request with { Encoder = null }, outputPath, ct)
            : RenderFullAsync(prepared, request, outputPath, ct);

    private async Task<RenderResult> RunAsync(Func<string, string, RenderPlan> plan, string outputPath, CancellationToken ct)
    {
        var total = Stopwatch.StartNew();
        var output = Path.GetFullPath(outputPath);
        var outDir = Path.GetDirectoryName(output)!;
        Directory.CreateDirectory(outDir);
        var id = Guid.NewGuid().ToString("N")[..12];
        // Same folder as the output so the final rename is atomic; dot-prefixed so watchers ignore it.
        var temp = Path.Combine(outDir, $".{Path.GetFileName(output)}.{id}.partial");
        var work = Path.Combine(workRoot ?? Path.GetTempPath(), $"fleet-render-{id}");
        var timings = new List<StepTiming>();
        try
        {
            Directory.CreateDirectory(work);
            var sw = Stopwatch.StartNew();
            var p = plan(work, temp);
            foreach (var f in p.Files) await File.WriteAllTextAsync(f.Path, f.Content, Utf8NoBom, ct).ConfigureAwait(false);
            timings.Add(new StepTiming("plan", sw.Elapsed.TotalMilliseconds));
            foreach (var step in p.Steps)
            {
                var r = await runner.RunAsync(step.Arguments, ct).ConfigureAwait(false);
                timings.Add(new StepTiming(step.Name, r.Elapsed.TotalMilliseconds));
            }
            File.Move(temp, output, overwrite: true);
            return new RenderResult(output, p.Encoder, p.Path, timings, total.Elapsed.TotalMilliseconds);
        }
        finally
        {
            TryDelete(temp);
            try { if (Directory.Exists(work)) Directory.Delete(work, recursive: true); }
            catch (IOException) { }
        }
    }

    private static void TryDelete(string path)
    {
        try { if (File.Exists(path)) File.Delete(path); }
        catch (IOException) { }
    }
}

/// <summary>A finished render: where it is, which encoder and path made it, and how long each step took.</summary>
public sealed record RenderResult(string OutputPath, string Encoder, RenderPath Path, IReadOnlyList<StepTiming> Steps, double TotalMs);

/// <summary>Wall time of one render step in milliseconds.</summary>
public sealed record StepTiming(string Step, double Ms);
