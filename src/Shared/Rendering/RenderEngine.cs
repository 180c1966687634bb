using System.Diagnostics;
using System.Runtime.ExceptionServices;
using System.Text;

namespace Fleet.Shared.Rendering;

/// <summary>
/// Runs a <see cref="RenderPlan"/>: writes its files into a private work folder, runs its ffmpeg steps, and renames the
/// finished MP4 onto the output path. A failed, killed or cancelled render leaves no file at the output path and no litter.
/// </summary>
public sealed class RenderEngine(FfmpegRunner runner, string? workRoot = null) : IDisposable
{
    private static readonly UTF8Encoding Utf8NoBom = new(encoderShouldEmitUTF8Identifier: false);
    private WarmAssembler? _warm;

    public FfmpegRunner Runner => runner;

    /// <summary>
    /// Keep one fast-path assemble process started ahead of the next render of the same template (it waits on a pipe
    /// and costs no CPU while idle). Saves ffmpeg's start-up time per render; dispose the engine to stop it.
    /// </summary>
    public bool KeepAssemblerWarm { get; init; }

    /// <summary>Run the fast path's two steps side by side over named pipes where the platform has them (tests turn it off).</summary>
    internal bool UsePipes { get; init; } = true;

    private string WorkRoot => workRoot ?? Path.GetTempPath();

    /// <summary>Fast path: personalised ranges re-encoded, the rest stream-copied (see <see cref="RenderPlanner.PlanFast"/>).</summary>
    public Task<RenderResult> RenderFastAsync(PreparedTemplate prepared, RenderRequest request, string outputPath, CancellationToken ct = default) =>
        RunAsync((work, temp) => RenderPlanner.PlanFast(prepared, request, work, temp), outputPath, ct, prepared, request.VoiceWav);

    /// <summary>Full re-encode (naive baseline, or an encoder the template was not prepared with).</summary>
    public Task<RenderResult> RenderFullAsync(PreparedTemplate prepared, RenderRequest request, string outputPath, CancellationToken ct = default) =>
        RunAsync((work, temp) => RenderPlanner.PlanFull(prepared, request, work, temp), outputPath, ct, fastFor: null, voiceWav: null);

    /// <summary>Fast path when the request's encoder is the template's own (or unset), full path otherwise.</summary>
    public Task<RenderResult> RenderAsync(PreparedTemplate prepared, RenderRequest request, string outputPath, CancellationToken ct = default) =>
        request.Encoder is null || request.Encoder == prepared.Encoder
            ? RenderFastAsync(prepared, request with { Encoder = null }, outputPath, ct)
            : RenderFullAsync(prepared, request, outputPath, ct);

    /// <summary>Starts the assemble process for the next render of <paramref name="prepared"/> now (no-op unless <see cref="KeepAssemblerWarm"/>).</summary>
    public void WarmUp(PreparedTemplate prepared, bool withVoice = true)
    {
        if (!KeepAssemblerWarm || !UsePipes) return;
        var fresh = WarmAssembler.TryStart(runner, prepared, withVoice, WorkRoot);
        Interlocked.Exchange(ref _warm, fresh)?.Dispose();
    }

    public void Dispose() => Interlocked.Exchange(ref _warm, null)?.Dispose();

    private async Task<RenderResult> RunAsync(Func<string, string, RenderPlan> plan, string outputPath, CancellationToken ct,
        PreparedTemplate? fastFor, string? voiceWav)
    {
        var total = Stopwatch.StartNew();
        var output = Path.GetFullPath(outputPath);
        var outDir = Path.GetDirectoryName(output)!;
        Directory.CreateDirectory(outDir);
        var id = Guid.NewGuid().ToString("N")[..12];
        // Same folder as the output so the final rename is atomic; dot-prefixed so watchers ignore it.
        var temp = Path.Combine(outDir, $".{Path.GetFileName(output)}.{id}.partial");
        var work = Path.Combine(WorkRoot, $"fleet-render-{id}");
        var timings = new List<StepTiming>();
        var warm = fastFor is not null ? TakeWarm(fastFor, voiceWav is not null) : null;
        try
        {
            Directory.CreateDirectory(work);
            var sw = Stopwatch.StartNew();
            var p = plan(work, temp);
            foreach (var f in p.Files) await File.WriteAllTextAsync(f.Path, f.Content, Utf8NoBom, ct).ConfigureAwait(false);
            timings.Add(new StepTiming("plan", sw.Elapsed.TotalMilliseconds));
            var pipes = UsePipes && p.Feeds is { Count: > 0 } && p.Steps.Count == 2 && p.Feeds.All(f => Fifo.TryCreate(f.Pipe));
            if (pipes && warm is not null)
            {
                await RunWarmAsync(p, warm, voiceWav, timings, ct).ConfigureAwait(false);
                File.Move(warm.Output, temp, overwrite: true);
            }
            else if (pipes)
                await RunOverlappedAsync(p, timings, ct).ConfigureAwait(false);
            else
                await RunInOrderAsync(p, timings, ct).ConfigureAwait(false);
            File.Move(temp, output, overwrite: true);
            return new RenderResult(output, p.Encoder, p.Path, timings, total.Elapsed.TotalMilliseconds);
        }
        finally
        {
            warm?.Dispose();
            TryDelete(temp);
            try { if (Directory.Exists(work)) Directory.Delete(work, recursive: true); }
            catch (IOException) { }
            if (fastFor is not null && KeepAssemblerWarm && !ct.IsCancellationRequested) WarmUp(fastFor, voiceWav is not null);
        }
    }

    private WarmAssembler? TakeWarm(PreparedTemplate prepared, bool withVoice)
    {
        if (!KeepAssemblerWarm || !UsePipes) return null;
        var taken = Interlocked.Exchange(ref _warm, null);
        if (taken is null || taken.Fits(prepared, withVoice)) return taken;
        taken.Dispose(); // for another template or voice layout: replaced after this render
        return null;
    }

    private async Task RunInOrderAsync(RenderPlan p, List<StepTiming> timings, CancellationToken ct)
    {
        for (var i = 0; i < p.Steps.Count; i++)
        {
            var r = await runner.RunAsync(p.Steps[i].Arguments, ct).ConfigureAwait(false);
            timings.Add(new StepTiming(p.Steps[i].Name, r.Elapsed.TotalMilliseconds));
            // Without named pipes the "pipes" are plain files made between the steps.
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
    private async Task RunOverlappedAsync(RenderPlan p, List<StepTiming> timings, CancellationToken ct)
    {
        using var failed = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var first = runner.RunAsync(p.Steps[0].Arguments, failed.Token);
        var second = runner.RunAsync(p.Steps[1].Arguments, failed.Token);
        var feeding = FeedPartsAsync(first, () => second.IsCompleted, p.Feeds!, failed.Token);
        await AllOrFirstFailureAsync(new Task[] { first, second, feeding }, failed, ct).ConfigureAwait(false);
        timings.Add(new StepTiming(p.Steps[0].Name, first.Result.Elapsed.TotalMilliseconds));
        timings.Add(new StepTiming(p.Steps[1].Name, second.Result.Elapsed.TotalMilliseconds));
    }

    // The pre-started assembler gets its concat list and voice through its pipes, then the new ranges as in the cold case.
    private async Task RunWarmAsync(RenderPlan p, WarmAssembler warm, string? voiceWav, List<StepTiming> timings, CancellationToken ct)
    {
        using var failed = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var clock = Stopwatch.StartNew();
        var first = runner.RunAsync(p.Steps[0].Arguments, failed.Token);
        var second = warm.Process.WaitAsync(failed.Token);
        var list = Utf8NoBom.GetBytes(p.ConcatList!.Content);
        var gone = () => warm.Process.HasExited;
        var listFeed = Fifo.FeedAsync(warm.ListPipe, (s, t) => s.WriteAsync(list, t).AsTask(), gone, failed.Token);
        var voiceFeed = voiceWav is null ? Task.FromResult(true) : Fifo.FeedAsync(warm.VoicePipe, new[] { voiceWav }, gone, failed.Token);
        var parts = FeedPartsAsync(first, gone, p.Feeds!, failed.Token);
        await AllOrFirstFailureAsync(new Task[] { first, second, listFeed, voiceFeed, parts }, failed, ct).ConfigureAwait(false);
        timings.Add(new StepTiming(p.Steps[0].Name, first.Result.Elapsed.TotalMilliseconds));
        timings.Add(new StepTiming(p.Steps[1].Name + "(warm)", clock.Elapsed.TotalMilliseconds));
    }

    private static async Task FeedPartsAsync(Task producer, Func<bool> consumerGone, IReadOnlyList<PipeFeed> feeds, CancellationToken ct)
    {
        await producer.ConfigureAwait(false);
        foreach (var f in feeds)
            if (!await Fifo.FeedAsync(f.Pipe, f.Sources, consumerGone, ct).ConfigureAwait(false))
                return; // the reader is gone; its own result says why
    }

    // The first failure kills the rest at once (a reader may be blocked on a pipe nobody will feed), then reports the root cause.
    private static async Task AllOrFirstFailureAsync(Task[] all, CancellationTokenSource failed, CancellationToken ct)
    {
        var pending = all.ToList();
        while (pending.Count > 0)
        {
            var done = await Task.WhenAny(pending).ConfigureAwait(false);
            pending.Remove(done);
            if (done.IsCompletedSuccessfully) continue;
            await failed.CancelAsync().ConfigureAwait(false);
            await Task.WhenAll(all).ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
            ct.ThrowIfCancellationRequested();
            var root = all.FirstOrDefault(t => t.IsFaulted && t.Exception!.InnerException is not OperationCanceledException) ?? done;
            if (root.Exception?.InnerException is { } error) ExceptionDispatchInfo.Throw(error);
            throw new OperationCanceledException();
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
