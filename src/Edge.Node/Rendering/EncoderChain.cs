using System.Diagnostics;
using Fleet.Shared.Rendering;
using static Fleet.Edge.Rendering.CompositeProtocol;

namespace Fleet.Edge.Rendering;

/// <summary>
/// Walks the encoder chain for one render: probed hardware encoders, then libx264 (fast path), then the campaign's static
/// creative copied to the output. Every step down is recorded as a fallback reason.
/// </summary>
public sealed class EncoderChain(RenderEngine engine)
{
    public const string StaticCreative = "static-creative";

    public async Task<object> RunAsync(Compose job, IReadOnlyList<string> encoders, string? ffmpegMissing)
    {
        var total = Stopwatch.StartNew();
        var fallbacks = new List<string>();
        var timings = new List<StepTiming>();
        var why = ffmpegMissing is null ? null : "ffmpeg-missing";
        for (var i = 0; i < encoders.Count && why != "ffmpeg-missing"; i++)
        {
            var name = encoders[i];
            var attempt = Stopwatch.StartNew();
            try
            {
                var encoder = EncoderSettings.For(name);
                var request = job.Request with { Encoder = encoder == job.Prepared.Encoder ? null : encoder };
                var r = await engine.RenderAsync(job.Prepared, request, job.OutputPath).ConfigureAwait(false);
                timings.AddRange(r.Steps);
                return new Composed(r.OutputPath, r.Encoder, r.Path.ToString().ToLowerInvariant(), timings, total.Elapsed.TotalMilliseconds, fallbacks);
            }
            catch (FfmpegMissingException)
            {
                why = "ffmpeg-missing";
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                why = $"{name}-failed";
                timings.Add(new StepTiming($"attempt:{name}", attempt.Elapsed.TotalMilliseconds));
                if (i + 1 < encoders.Count) fallbacks.Add($"composite:{encoders[i + 1]}:{why}");
            }
        }
        fallbacks.Add($"composite:{StaticCreative}:{why ?? "no-encoder"}");

        var copy = Stopwatch.StartNew();
        try
        {
            CopyAtomically(job.StaticCreativePath, job.OutputPath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return new CompositionFailed($"static creative could not be written: {e.Message}", fallbacks);
        }
        timings.Add(new StepTiming("static-copy", copy.Elapsed.TotalMilliseconds));
        return new Composed(Path.GetFullPath(job.OutputPath), StaticCreative, StaticCreative, timings, total.Elapsed.TotalMilliseconds, fallbacks);
    }

    private static void CopyAtomically(string source, string output)
    {
        var full = Path.GetFullPath(output);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var temp = Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.partial");
        try
        {
            File.Copy(source, temp);
            File.Move(temp, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }
}
