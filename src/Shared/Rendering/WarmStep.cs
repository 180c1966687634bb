namespace Fleet.Shared.Rendering;

/// <summary>
/// An ffmpeg step of the fast path started ahead of the next render. ffmpeg spends ~60 ms of CPU just loading before
/// it reads anything; started early, it waits blocked on a named pipe, so a render only pays for the work itself. Only
/// steps whose arguments do not depend on the request can wait like this: the assembler (concat list and audio frames
/// arrive through pipes) and the voice mix (the voice arrives through a pipe).
/// </summary>
internal sealed class WarmStep : IDisposable
{
    private WarmStep(string dir, PreparedTemplate prepared, FfmpegProcess process)
    {
        Dir = dir;
        Prepared = prepared;
        Process = process;
    }

    public string Dir { get; }
    public PreparedTemplate Prepared { get; }
    public FfmpegProcess Process { get; }
    private const string List = "list.ffconcat", Audio = "audio.aac", Voice = "voice.wav", Out = "out";

    public string ListPipe => Path.Combine(Dir, List);
    public string AudioPipe => Path.Combine(Dir, Audio);
    public string VoicePipe => Path.Combine(Dir, Voice);
    public string Output => Path.Combine(Dir, Out);

    /// <summary>Whether this process can serve a render of <paramref name="prepared"/>.</summary>
    public bool Fits(PreparedTemplate prepared) => prepared.Directory == Prepared.Directory && !Process.HasExited;

    /// <summary>The assemble step, reading its concat list and audio track from pipes; null where pipes or ffmpeg are unavailable.</summary>
    public static WarmStep? TryStartAssembler(FfmpegRunner runner, PreparedTemplate prepared, string workRoot) =>
        TryStart(runner, prepared, workRoot, new[] { List, Audio },
            dir => RenderPlanner.AssembleArgs(prepared, Path.Combine(dir, List), Path.Combine(dir, Audio), Path.Combine(dir, Out)));

    /// <summary>The voice mix step, reading the voice from a pipe; null where pipes or ffmpeg are unavailable.</summary>
    public static WarmStep? TryStartMixer(FfmpegRunner runner, PreparedTemplate prepared, string workRoot) =>
        TryStart(runner, prepared, workRoot, new[] { Voice }, dir => RenderPlanner.MixArgs(prepared, Path.Combine(dir, Voice), Path.Combine(dir, Out)));

    private static WarmStep? TryStart(FfmpegRunner runner, PreparedTemplate prepared, string workRoot,
        string[] pipes, Func<string, IReadOnlyList<string>> args)
    {
        var dir = Path.Combine(workRoot, $"fleet-warm-{Guid.NewGuid().ToString("N")[..12]}");
        Directory.CreateDirectory(dir);
        try
        {
            if (!pipes.All(pipe => Fifo.TryCreate(Path.Combine(dir, pipe)))) throw new IOException("no named pipes");
            return new WarmStep(dir, prepared, runner.Start(args(dir)));
        }
        catch (Exception e) when (e is IOException or Fleet.Shared.Cli.FleetException)
        {
            Directory.Delete(dir, recursive: true);
            return null;
        }
    }

    public void Dispose()
    {
        Process.Dispose();
        try { Directory.Delete(Dir, recursive: true); }
        catch (IOException) { }
    }
}
