namespace Fleet.Shared.Rendering;

/// <summary>
/// An assemble process started ahead of the next render. ffmpeg spends ~60 ms just loading before it reads anything;
/// started early, it waits blocked on its concat-list pipe, so a render only pays for the work itself.
/// </summary>
internal sealed class WarmAssembler : IDisposable
{
    private WarmAssembler(string dir, PreparedTemplate prepared, bool withVoice, FfmpegProcess process)
    {
        Dir = dir;
        Prepared = prepared;
        WithVoice = withVoice;
        Process = process;
    }

    public string Dir { get; }
    public PreparedTemplate Prepared { get; }
    public bool WithVoice { get; }
    public FfmpegProcess Process { get; }
    public string ListPipe => Path.Combine(Dir, "list.ffconcat");
    public string VoicePipe => Path.Combine(Dir, "voice.wav");
    public string Output => Path.Combine(Dir, "out.mp4");

    /// <summary>Whether this process can serve a render of <paramref name="prepared"/> with or without a voice.</summary>
    public bool Fits(PreparedTemplate prepared, bool withVoice) =>
        prepared.Directory == Prepared.Directory && withVoice == WithVoice && !Process.HasExited;

    /// <summary>Starts one; null where named pipes are unavailable or ffmpeg cannot start.</summary>
    public static WarmAssembler? TryStart(FfmpegRunner runner, PreparedTemplate prepared, bool withVoice, string workRoot)
    {
        var dir = Path.Combine(workRoot, $"fleet-warm-{Guid.NewGuid().ToString("N")[..12]}");
        Directory.CreateDirectory(dir);
        var list = Path.Combine(dir, "list.ffconcat");
        var voice = Path.Combine(dir, "voice.wav");
        try
        {
            if (!Fifo.TryCreate(list) || (withVoice && !Fifo.TryCreate(voice))) throw new IOException("no named pipes");
            var process = runner.Start(RenderPlanner.AssembleArgs(prepared, list, withVoice ? voice : null, Path.Combine(dir, "out.mp4")));
            return new WarmAssembler(dir, prepared, withVoice, process);
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
