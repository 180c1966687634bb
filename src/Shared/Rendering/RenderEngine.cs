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
    private WarmStep? _assembler;
    private WarmStep? _mixer;
    private readonly object _warming = new();
    // One per grade: the grade is chosen per render, and each plans another filter graph.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, WarmStep> _personalisers = new(StringComparer.Ordinal);

    public FfmpegRunner Runner => runner;

    /// <summary>
    /// Keep the fast path's processes started ahead of the next render of the same template (each waits on a pipe and
    /// costs no CPU while idle): assemble, voice mix, and personalise for the layer layout of each grade's last render.
    /// Saves ffmpeg's start-up time per render; dispose the engine to stop them.
    /// </summary>
    public bool KeepStepsWarm { get; init; }

    /// <summary>Run the fast path's steps side by side over named pipes where the platform has them (tests turn it off).</summary>
    internal bool UsePipes { get; init; } = true;

    private string WorkRoot => workRoot ?? Path.GetTempPath();

    /// <summary>Fast path: personalised ranges re-encoded, the rest stream-copied (see <see cref="RenderPlanner.PlanFast"/>).</summary>
    public Task<RenderResult> RenderFastAsync(PreparedTemplate prepared, RenderRequest request, string outputPath, CancellationToken ct = default) =>
        RunAsync((work, temp) => RenderPlanner.PlanFast(prepared, request, work, temp), outputPath, ct, prepared, request);

    /// <summary>Full re-encode (naive baseline, or an encoder the template was not prepared with); waits for a voice still being spoken.</summary>
    public async Task<RenderResult> RenderFullAsync(PreparedTemplate prepared, RenderRequest request, string outputPath, CancellationToken ct = default)
    {
        var spoken = request with { VoiceWav = await request.VoiceAsync().WaitAsync(ct).ConfigureAwait(false), PendingVoice = null };
        return await RunAsync((work, temp) => RenderPlanner.PlanFull(prepared, spoken, work, temp), outputPath, ct, fastFor: null, request: null).ConfigureAwait(false);
    }

    /// <summary>Fast path when the request's encoder is the template's own (or unset), full path otherwise.</summary>
    public Task<RenderResult> RenderAsync(PreparedTemplate prepared, RenderRequest request, string outputPath, CancellationToken ct = default) =>
        request.Encoder is null || request.Encoder == prepared.Encoder
            ? RenderFastAsync(prepared, request with { Encoder = null }, outputPath, ct)
            : RenderFullAsync(prepared, request, outputPath, ct);

    /// <summary>
    /// Starts the processes the next render of <paramref name="prepared"/> can use, where none for it is waiting yet
    /// (no-op unless <see cref="KeepStepsWarm"/>); with <paramref name="like"/>, also its personalise step for a request
    /// with the same layers and grade.
    /// </summary>
    public void WarmUp(PreparedTemplate prepared, RenderRequest? like = null)
    {
        if (!KeepStepsWarm || !UsePipes) return;
        // The refill after a render and a version's warm-up may run at once: one at a time, so they never both start a
        // step for the same slot and stop each other's.
        lock (_warming) WarmUpOneAtATime(prepared, like);
    }

    private void WarmUpOneAtATime(PreparedTemplate prepared, RenderRequest? like)
    {
        Refill(ref _assembler, prepared, WarmStep.TryStartAssembler);
        if (prepared.Template.Voice is not null) Refill(ref _mixer, prepared, WarmStep.TryStartMixer);
        if (like is null || (_personalisers.TryGetValue(like.Grade, out var waiting) && waiting.Fits(prepared))) return;
        var fresh = WarmStep.TryStartPersonaliser(runner, prepared, WorkRoot,
            dir => RenderPlanner.PlanFast(prepared, like, dir, Path.Combine(dir, "unused")).Steps[0].Arguments);
        if (fresh is null) return;
        _personalisers.AddOrUpdate(like.Grade, fresh, (_, replaced) =>
        {
            replaced.Dispose();
            return fresh;
        });
    }

    /// <summary>
    /// Waits until every process started ahead has loaded and waits on its pipe, so a render that comes next pays for no
    /// start-up, not even one still under way. True when they all have; false when <paramref name="within"/> ran out first
    /// or the platform cannot tell.
    /// </summary>
    public async Task<bool> WarmStepsLoadedAsync(TimeSpan within, CancellationToken ct = default)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var steps = new[] { Volatile.Read(ref _assembler), Volatile.Read(ref _mixer) }.Concat(_personalisers.Values).OfType<WarmStep>().ToList();
            var loaded = steps.Select(step => step.Loaded).ToList();
            if (loaded.Count > 0 && loaded.All(l => l is null)) return false; // this kernel does not say; one unknown among known ones is a passing state
            if (loaded.All(l => l == true)) return true;
            if (clock.Elapsed >= within) return false;
            await Task.Delay(10, ct).ConfigureAwait(false);
        }
    }

    public void Dispose()
    {
        _disposed = true;
        StopWarmSteps();
    }

    /// <summary>Stops every process waiting for a render (e.g. when a template's files were found corrupt and deleted).</summary>
    public void StopWarmSteps()
    {
        Refilled.Wait(); // a refill under way would otherwise start processes after this stopped the others
        Interlocked.Exchange(ref _assembler, null)?.Dispose();
        Interlocked.Exchange(ref _mixer, null)?.Dispose();
        foreach (var grade in _personalisers.Keys)
            if (_personalisers.TryRemove(grade, out var waiting)) waiting.Dispose();
    }

    /// <summary>The processes started in place of those the last render used (tests wait for it).</summary>
    internal Task Refilled => Volatile.Read(ref _refill);

    private Task _refill = Task.CompletedTask;
    private volatile bool _disposed;

    // Starting three processes takes 10-30 ms here: done after the render has answered, not before. A step that cannot
    // start now is started cold by the next render, which says why if it fails too.
    private void RefillLater(PreparedTemplate prepared, RenderRequest? like) =>
        Volatile.Write(ref _refill, Task.Run(() =>
        {
            try { if (!_disposed) WarmUp(prepared, like); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.ComponentModel.Win32Exception or FfmpegMissingException) { }
        }));

    private void Refill(ref WarmStep? slot, PreparedTemplate prepared, Func<FfmpegRunner, PreparedTemplate, string, WarmStep?> start)
    {
        if (Volatile.Read(ref slot) is { } waiting && waiting.Fits(prepared)) return;
        Interlocked.Exchange(ref slot, start(runner, prepared, WorkRoot))?.Dispose();
    }

    // One waiting process out of its slot, if it serves this template; one for another template (or one that died) is
    // stopped here and replaced after this render.
    private WarmStep? Take(Func<WarmStep?> fromSlot, PreparedTemplate prepared)
    {
        if (!KeepStepsWarm || !UsePipes) return null;
        var taken = fromSlot();
        if (taken is null || taken.Fits(prepared)) return taken;
        taken.Dispose();
        return null;
    }

    private async Task<RenderResult> RunAsync(Func<string, string, RenderPlan> plan, string outputPath, CancellationToken ct,
        PreparedTemplate? fastFor, RenderRequest? request)
    {
        // A render right after another takes the processes started for it, not a cold start.
        await Refilled.ConfigureAwait(false);
        var total = Stopwatch.StartNew();
        var output = Path.GetFullPath(outputPath);
        var outDir = Path.GetDirectoryName(output)!;
        Directory.CreateDirectory(outDir);
        var id = Guid.NewGuid().ToString("N")[..12];
        // Same folder as the output so the final rename is atomic; dot-prefixed so watchers ignore it.
        var temp = Path.Combine(outDir, $".{Path.GetFileName(output)}.{id}.partial");
        var work = Path.Combine(WorkRoot, $"fleet-render-{id}");
        var timings = new List<StepTiming>();
        var assembler = fastFor is not null ? Take(() => Interlocked.Exchange(ref _assembler, null), fastFor) : null;
        var personaliser = fastFor is not null && request is not null
            ? Take(() => _personalisers.TryRemove(request.Grade, out var waiting) ? waiting : null, fastFor)
            : null;
        WarmStep? mixer = null;
        try
        {
            var sw = Stopwatch.StartNew();
            // A waiting personalise process is used only if this render plans exactly its command in its folder.
            var p = personaliser is null ? null : plan(personaliser.Dir, temp);
            if (p is not null && personaliser!.Runs(p.Steps[0].Arguments)) work = personaliser.Dir;
            else
            {
                personaliser?.Dispose();
                personaliser = null;
                Directory.CreateDirectory(work);
                p = plan(work, temp);
            }
            foreach (var f in p.Files) await File.WriteAllTextAsync(f.Path, f.Content, Utf8NoBom, ct).ConfigureAwait(false);
            timings.Add(new StepTiming("plan", sw.Elapsed.TotalMilliseconds));
            var pipes = UsePipes && p.Feeds is { Count: > 0 } && p.Audio is not null && p.Feeds.All(f => Fifo.TryCreate(f.Pipe))
                        && (assembler is not null || Fifo.TryCreate(p.Audio.Pipe));
            var voice = request?.VoiceAsync() ?? Task.FromResult<string?>(null);
            if (pipes)
            {
                if (p.Steps.Any(s => s.Name == RenderPlanner.MixStep)) mixer = Take(() => Interlocked.Exchange(ref _mixer, null), fastFor!);
                await RunSideBySideAsync(p, new WarmSteps(personaliser, mixer, assembler), voice, timings, ct).ConfigureAwait(false);
                if (assembler is not null) File.Move(assembler.Output, temp, overwrite: true);
            }
            else
                await RunInOrderAsync(p, voice, timings, ct).ConfigureAwait(false);
            File.Move(temp, output, overwrite: true);
            return new RenderResult(output, p.Encoder, p.Path, timings, total.Elapsed.TotalMilliseconds);
        }
        finally
        {
            assembler?.Dispose();
            mixer?.Dispose();
            personaliser?.Dispose();
            TryDelete(temp);
            try { if (Directory.Exists(work)) Directory.Delete(work, recursive: true); }
            catch (IOException) { }
            if (fastFor is not null && !ct.IsCancellationRequested) RefillLater(fastFor, request);
        }
    }

    private async Task RunInOrderAsync(RenderPlan p, Task<string?> voice, List<StepTiming> timings, CancellationToken ct)
    {
        FfmpegResult? mixed = null;
        foreach (var step in p.Steps)
        {
            if (step.Name == RenderPlanner.MixStep)
            {
                if (await voice.WaitAsync(ct).ConfigureAwait(false) is not { } wav) continue; // no voice came: the bed plays alone
                File.Copy(wav, p.Audio!.Voice!, overwrite: true);
            }
            // Without named pipes the "pipes" are plain files, made just before the last step reads them.
            if (step == p.Steps[^1] && p.Audio is { } audio)
            {
                foreach (var f in (p.Feeds ?? Array.Empty<PipeFeed>()).Where(f => !f.WrittenByStep))
                {
                    await using var pipe = File.Create(f.Pipe);
                    foreach (var source in f.Sources)
                    {
                        await using var file = File.OpenRead(source);
                        await file.CopyToAsync(pipe, ct).ConfigureAwait(false);
                    }
                }
                await using (var track = File.Create(audio.Pipe)) await WriteAudioAsync(track, audio, Task.FromResult(mixed), ct).ConfigureAwait(false);
            }
            var r = await runner.RunAsync(step.Arguments, ct).ConfigureAwait(false);
            if (step.Name == RenderPlanner.MixStep) mixed = r;
            timings.Add(new StepTiming(step.Name, r.Elapsed.TotalMilliseconds));
        }
    }

    /// <summary>The pre-started processes a render took (each null when none fitted).</summary>
    private sealed record WarmSteps(WarmStep? Personaliser, WarmStep? Mixer, WarmStep? Assembler);

    // Every step starts at once (or was started before the render, when warm), the mix as soon as the voice is spoken.
    // The assembler muxes the untouched cuts and the prepared music while the others encode, and blocks on a pipe only
    // when it reaches a range or frame still being made.
    private async Task RunSideBySideAsync(RenderPlan p, WarmSteps warm, Task<string?> voice, List<StepTiming> timings, CancellationToken ct)
    {
        using var failed = CancellationTokenSource.CreateLinkedTokenSource(ct);
        // A pipe the first step writes itself is held open for reading here, so that step's open does not wait for the
        // assembler to reach it: its first frames wait in the pipe instead.
        using var held = p.Feeds!.FirstOrDefault(f => f.WrittenByStep) is { } direct ? Fifo.HoldOpen(direct.Pipe) : null;
        var clock = Stopwatch.StartNew();
        var audio = p.Audio!;
        var tasks = new List<Task>();
        var producers = new List<(string Name, Task<FfmpegResult?> Run)>();
        // A warm process's own clock started long before this render: its time is this render's wall time until it exits.
        async Task<FfmpegResult?> Exit(WarmStep step) => await step.Process.WaitAsync(failed.Token).ConfigureAwait(false) with { Elapsed = clock.Elapsed };
        async Task<FfmpegResult?> Cold(FfmpegStep step) => await runner.RunAsync(step.Arguments, failed.Token).ConfigureAwait(false);
        // The mix waits for the voice: spoken, it goes to the mixer (its pipe when warm, the planned file when cold); none
        // (captions only), and no mix runs (a waiting mixer is stopped) and the bed plays alone.
        async Task<FfmpegResult?> Mix(FfmpegStep step, WarmStep? mixer)
        {
            if (await voice.WaitAsync(failed.Token).ConfigureAwait(false) is not { } wav)
            {
                mixer?.Process.Kill();
                return null;
            }
            if (mixer is null)
            {
                File.Copy(wav, audio.Voice!, overwrite: true);
                return await Cold(step).ConfigureAwait(false);
            }
            await Fifo.FeedAsync(mixer.VoicePipe, new[] { wav }, () => mixer.Process.HasExited, failed.Token).ConfigureAwait(false);
            return await Exit(mixer).ConfigureAwait(false);
        }
        foreach (var step in p.Steps.SkipLast(1))
        {
            if (step == p.Steps[0] && warm.Personaliser is { } personaliser)
            {
                tasks.Add(Fifo.FeedAsync(personaliser.GoPipe, (_, _) => Task.CompletedTask, () => personaliser.Process.HasExited, failed.Token));
                producers.Add((step.Name + "(warm)", Exit(personaliser)));
            }
            else if (step.Name == RenderPlanner.MixStep)
            {
                if (warm.Mixer is { } mixer) audio = audio with { Mixed = mixer.Output };
                producers.Add((step.Name + (warm.Mixer is null ? "" : "(warm)"), Mix(step, warm.Mixer)));
            }
            else producers.Add((step.Name, Cold(step)));
        }
        Func<bool> gone;
        Task<FfmpegResult?> assemble;
        if (warm.Assembler is not { } assembler)
        {
            assemble = Cold(p.Steps[^1]);
            var cold = assemble;
            gone = () => cold.IsCompleted;
        }
        else
        {
            assemble = Exit(assembler);
            gone = () => assembler.Process.HasExited;
            audio = audio with { Pipe = assembler.AudioPipe };
            var list = Utf8NoBom.GetBytes(p.ConcatList!.Content);
            tasks.Add(Fifo.FeedAsync(assembler.ListPipe, (s, t) => s.WriteAsync(list, t).AsTask(), gone, failed.Token));
        }
        var mix = producers.FirstOrDefault(s => s.Name.StartsWith(RenderPlanner.MixStep, StringComparison.Ordinal)).Run ?? Task.FromResult<FfmpegResult?>(null);
        tasks.AddRange(producers.Select(s => (Task)s.Run));
        tasks.Add(assemble);
        tasks.Add(FeedPartsAsync(producers[0].Run, gone, p.Feeds!, failed.Token));
        tasks.Add(Fifo.FeedAsync(audio.Pipe, (s, t) => WriteAudioAsync(s, audio, mix, t), gone, failed.Token));
        await AllOrFirstFailureAsync(tasks.ToArray(), failed, ct).ConfigureAwait(false);
        foreach (var (name, run) in producers)
            if (run.Result is { } r) timings.Add(new StepTiming(name, r.Elapsed.TotalMilliseconds));
        timings.Add(new StepTiming(p.Steps[^1].Name + (warm.Assembler is null ? "" : "(warm)"), assemble.Result!.Elapsed.TotalMilliseconds));
    }

    // The bed's frames before the seam at once (the assembler muxes them beside the untouched cuts), then the mixed frames
    // when the mix is done (and the bed's again once the voice is over), or the rest of the bed when no voice came.
    private static async Task WriteAudioAsync(Stream track, AudioFeed audio, Task<FfmpegResult?> mix, CancellationToken ct)
    {
        var bed = await File.ReadAllBytesAsync(audio.Bed, ct).ConfigureAwait(false);
        var seam = audio.Mixed is null ? bed.Length : Adts.OffsetOfFrame(bed, audio.Splice?.PrefixFrames ?? 0);
        await track.WriteAsync(bed.AsMemory(0, seam), ct).ConfigureAwait(false);
        if (audio.Mixed is null) return;
        if (await mix.ConfigureAwait(false) is null)
        {
            await track.WriteAsync(bed.AsMemory(seam), ct).ConfigureAwait(false);
            return;
        }
        var frames = await File.ReadAllBytesAsync(audio.Mixed, ct).ConfigureAwait(false);
        var from = Adts.OffsetOfFrame(frames, audio.Splice?.DropFrames ?? 0);
        if (audio is not { ResumeFrame: { } resume, Splice: { } splice })
        {
            await track.WriteAsync(frames.AsMemory(from), ct).ConfigureAwait(false);
            return;
        }
        // The voice is over: the mixed frames up to the resume frame, then the bed's own from it.
        var to = Adts.OffsetOfFrame(frames, splice.MixedFrameAt(resume));
        await track.WriteAsync(frames.AsMemory(from, to - from), ct).ConfigureAwait(false);
        await track.WriteAsync(bed.AsMemory(Adts.OffsetOfFrame(bed, resume)), ct).ConfigureAwait(false);
    }

    private static async Task FeedPartsAsync(Task producer, Func<bool> consumerGone, IReadOnlyList<PipeFeed> feeds, CancellationToken ct)
    {
        await producer.ConfigureAwait(false);
        foreach (var f in feeds.Where(f => !f.WrittenByStep))
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
