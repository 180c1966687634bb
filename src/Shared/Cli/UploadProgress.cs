namespace Fleet.Shared.Cli;

/// <summary>
/// Progress of an upload on stderr (<c>publish: 12.4 of 90.9 MB (13 %)</c>, redrawn in place at most 5 times a
/// second, then a final line): shown when stderr is a terminal or <c>--progress</c> asks, never with <c>--json</c>, so
/// scripts read clean output. Wrap each uploaded stream with <see cref="Wrap"/>.
/// </summary>
public sealed class UploadProgress
{
    public const string Option = "progress";
    private static readonly TimeSpan Every = TimeSpan.FromMilliseconds(200);

    private readonly string _label;
    private readonly long _total;
    private readonly TextWriter _out;
    private readonly TimeProvider _clock;
    private long _sent;
    private DateTimeOffset _drawn = DateTimeOffset.MinValue;
    private bool _done;

    public UploadProgress(string label, long total, TextWriter output, TimeProvider? clock = null)
    {
        _label = label;
        _total = Math.Max(1, total);
        _out = output;
        _clock = clock ?? TimeProvider.System;
    }

    /// <summary>A reporter for a CLI upload of <paramref name="total"/> bytes, or null when progress is not shown.</summary>
    public static UploadProgress? ForCli(CommandArgs args, string label, long total) =>
        args.Flag("json") || !(args.Flag(Option) || !Console.IsErrorRedirected) ? null : new UploadProgress(label, total, Console.Error);

    /// <summary>The line as it reads after <paramref name="sent"/> bytes.</summary>
    public string Line(long sent) => $"{_label}: {Mb(sent)} of {Mb(_total)} MB ({100 * Math.Min(sent, _total) / _total} %)";

    /// <summary>The stream the HTTP client sends from, counted as it reads it.</summary>
    public Stream Wrap(Stream inner) => new IO.ReadCountingStream(inner, n => Report(n));

    public void Report(long bytes)
    {
        var sent = Interlocked.Add(ref _sent, bytes);
        var now = _clock.GetUtcNow();
        if (sent < _total && now - _drawn < Every) return;
        _drawn = now;
        lock (_out)
        {
            if (_done) return;
            _out.Write("\r" + Line(sent));
            if (sent >= _total) { _out.WriteLine(); _done = true; }
            _out.Flush();
        }
    }

    private static string Mb(long bytes) => (bytes / 1_048_576.0).ToString("0.0", System.Globalization.CultureInfo.InvariantCulture);
}
