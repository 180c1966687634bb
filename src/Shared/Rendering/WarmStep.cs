namespace Fleet.Shared.Rendering;

/// <summary>
/// An ffmpeg step of the fast path started ahead of the next render. ffmpeg spends ~60 ms of CPU just loading before
/// it reads anything; started early, it waits blocked on a named pipe, so a render only pays for the work itself. Only
/// steps whose arguments do not depend on the request can wait like this: the assembler (concat list and audio frames
/// arrive through pipes), the voice mix (the voice arrives through a pipe), and the personalise step for the same layer
/// layout and grade (its text files are written into its folder, then a last, empty input tells it to go on).
/// </summary>
internal sealed class WarmStep : IDisposable
{
    private WarmStep(string dir, PreparedTemplate prepared, FfmpegProcess process, IReadOnlyList<string>? plannedArgs = null)
    {
        Dir = dir;
        Prepared = prepared;
        Process = process;
        _plannedArgs = plannedArgs;
    }

    private readonly IReadOnlyList<string>? _plannedArgs;

    public string Dir { get; }
    public PreparedTemplate Prepared { get; }
    public FfmpegProcess Process { get; }
    private const string List = "list.ffconcat", Audio = "audio.aac", Voice = "voice.wav", Out = "out", Go = "go";

    public string ListPipe => Path.Combine(Dir, List);
    public string AudioPipe => Path.Combine(Dir, Audio);
    public string VoicePipe => Path.Combine(Dir, Voice);
    public string Output => Path.Combine(Dir, Out);
    public string GoPipe => Path.Combine(Dir, Go);

    /// <summary>Whether this process can serve a render of <paramref name="prepared"/>.</summary>
    public bool Fits(PreparedTemplate prepared) => prepared.Directory == Prepared.Directory && !Process.HasExited;

    /// <summary>
    /// Whether the process has done all it can before the render: loaded, and blocked on its pipe (or gone, and then of
    /// no use either way). Null where the platform cannot tell.
    /// </summary>
    public bool? Loaded => Process.HasExited ? true : Fifo.IsWaitingForWriter(Process.Id);

    /// <summary>Whether a personalise step planned in <see cref="Dir"/> is exactly the one this process runs.</summary>
    public bool Runs(IReadOnlyList<string> plannedArgs) => _plannedArgs is { } mine && mine.SequenceEqual(plannedArgs);

    /// <summary>The assemble step, reading its concat list and audio track from pipes; null where pipes or ffmpeg are unavailable.</summary>
    public static WarmStep? TryStartAssembler(FfmpegRunner runner, PreparedTemplate prepared, string workRoot) =>
        TryStart(runner, prepared, workRoot, new[] { List, Audio },
            dir => (RenderPlanner.AssembleArgs(prepared, Path.Combine(dir, List), Path.Combine(dir, Audio), Path.Combine(dir, Out)), null));

    /// <summary>The voice mix step, reading the voice from a pipe; null where pipes or ffmpeg are unavailable.</summary>
    public static WarmStep? TryStartMixer(FfmpegRunner runner, PreparedTemplate prepared, string workRoot) =>
        TryStart(runner, prepared, workRoot, new[] { Voice }, dir => (RenderPlanner.MixArgs(prepared, Path.Combine(dir, Voice), Path.Combine(dir, Out)), null));

    /// <summary>
    /// The personalise step as <paramref name="plan"/> plans it in the process's folder, waiting on one more input (an empty
    /// raw stream read from a pipe, opened after every real input is open and probed): ffmpeg reads the text files only after it.
    /// </summary>
    public static WarmStep? TryStartPersonaliser(FfmpegRunner runner, PreparedTemplate prepared, string workRoot, Func<string, IReadOnlyList<string>> plan) =>
        TryStart(runner, prepared, workRoot, new[] { Go }, dir =>
        {
            var planned = plan(dir);
            var at = planned.ToList().IndexOf("-filter_complex");
            if (at < 0) throw new IOException("nothing to personalise");
            var go = new[] { "-f", "s16le", "-ar", "8000", "-ac", "1", "-i", Path.Combine(dir, Go) };
            return (planned.Take(at).Concat(go).Concat(planned.Skip(at)).ToList(), planned);
        });

    private static WarmStep? TryStart(FfmpegRunner runner, PreparedTemplate prepared, string workRoot, string[] pipes,
        Func<string, (IReadOnlyList<string> Args, IReadOnlyList<string>? Planned)> command)
    {
        var dir = Directory.CreateDirectory(Path.Combine(workRoot, $"fleet-warm-{Guid.NewGuid().ToString("N")[..12]}")).FullName;
        try
        {
            if (!pipes.All(pipe => Fifo.TryCreate(Path.Combine(dir, pipe)))) throw new IOException("no named pipes");
            var (args, planned) = command(dir);
            return new WarmStep(dir, prepared, runner.Start(args), planned);
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
