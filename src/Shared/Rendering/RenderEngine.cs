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

    /// <summary>Run the fast path's two steps side by side over named pipes where the platform has them (tests turn it off).</summary>
    internal bool UsePipes { get; init; } = true;

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
            if (UsePipes && p.Feeds is { Count: > 0 } feeds && p.Steps.Count == 2 && feeds.All(f => Fifo.TryCreate(f.Pipe)))
                await RunOverlappedAsync(p, feeds, timings, ct).ConfigureAwait(false);
            else
                await RunInOrderAsync(p, timings, ct).ConfigureAwait(false);
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

    private async Task RunInOrderAsync(RenderPlan p, List<StepTiming> timings, CancellationToken ct)
    {
        for (var i = 0; i < p.Steps.Count; i++)
        {
            var r = await runner.RunAsync(p.Steps[i].Arguments, ct).ConfigureAwait(false);
            timings.Add(new StepTiming(p.Steps[i].Name, r.Elapsed.TotalMilliseconds));
            // Without named pipes the "pipes" are plain copies made between the steps.
            if (i == 0 && p.Feeds is { } feeds)
                foreach (var f in feeds)
                {
                    using var pipe = File.Create(f.Pipe);
                    foreach (var source in f.Sources)
                    {
                        using var file = File.OpenRead(source);
                        file.CopyTo(pipe);
                    }
                }
        }
    }

    // Both processes start at once; the second blocks on its first pipe only when its concat reaches the new range.
    private async Task RunOverlappedAsync(RenderPlan p, IReadOnlyList<PipeFeed> feeds, List<StepTiming> timings, CancellationToken ct)
    {
        using var failed = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var first = runner.RunAsync(p.Steps[0].Arguments, failed.Token);
        var second = runner.RunAsync(p.Steps[1].Arguments, failed.Token);
        var feeding = FeedAsync(first, second, feeds, failed.Token);
        var all = new Task[] { first, second, feeding };
        var pending = all.ToList();
        while (pending.Count > 0)
        {
            var done = await Task.WhenAny(pending).ConfigureAwait(false);
            pending.Remove(done);
            if (done.IsCompletedSuccessfully) continue;
            // The first failure kills the rest at once (the reader may be blocked on a pipe nobody will feed).
            await failed.CancelAsync().ConfigureAwait(false);
            await Task.WhenAll(all).ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
            ct.ThrowIfCancellationRequested();
            var root = all.FirstOrDefault(t => t.IsFaulted && t.Exception!.InnerException is not OperationCanceledException) ?? done;
            if (root.Exception?.InnerException is { } error) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(error);
            throw new OperationCanceledException();
        }
        timings.Add(new StepTiming(p.Steps[0].Name, first.Result.Elapsed.TotalMilliseconds));
        timings.Add(new StepTiming(p.Steps[1].Name, second.Result.Elapsed.TotalMilliseconds));
    }

    private static async Task FeedAsync(Task producer, Task consumer, IReadOnlyList<PipeFeed> feeds, CancellationToken ct)
    {
        await producer.ConfigureAwait(false);
        foreach (var f in feeds)
            if (!await Fifo.FeedAsync(f.Pipe, f.Sources, () => consumer.IsCompleted, ct).ConfigureAwait(false))
                return; // the reader is gone; its own result says why
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
