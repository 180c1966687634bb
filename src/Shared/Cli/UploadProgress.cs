using System.CommandLine;

namespace Fleet.Shared.Cli;

/// <summary>
/// Progress of an upload on stderr: a Spectre progress bar when stderr is a terminal; with <c>--progress</c> when it is
/// redirected, a line (<c>publish: 12.4 of 90.9 MB (13 %)</c>) redrawn with <c>\r</c> at most 5 times a second, then a
/// final line. Never with <c>--json</c>, so scripts read clean output. Wrap each uploaded stream with <see cref="Wrap"/>.
/// </summary>
public sealed class UploadProgress
{
    /// <summary>Progress lines even when stderr is redirected (a CI log, say).</summary>
    public static readonly Option<bool> Flag = CliOption.Flag("--progress", "show upload progress on stderr even when it is not a terminal");
    private static readonly TimeSpan Every = TimeSpan.FromMilliseconds(200);

    private readonly string _label;
    private readonly long _total;
    private readonly TextWriter _out;
    private readonly TimeProvider _clock;
    private readonly Terminal.ByteBar? _bar;
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

    private UploadProgress(string label, long total, Terminal.ByteBar bar) : this(label, total, TextWriter.Null) => _bar = bar;

    /// <summary>A reporter for a CLI upload of <paramref name="total"/> bytes, or null when progress is not shown.</summary>
    public static UploadProgress? ForCli(ParseResult r, string label, long total) =>
        r.GetValue(FleetCli.Json) ? null
        : Terminal.StderrIsTerminal ? new UploadProgress(label, total, new Terminal.ByteBar(label, Math.Max(1, total)))
        : r.GetValue(Flag) ? new UploadProgress(label, total, Console.Error)
        : null;

    /// <summary>The line as it reads after <paramref name="sent"/> bytes.</summary>
    public string Line(long sent) => $"{_label}: {Mb(sent)} of {Mb(_total)} MB ({100 * Math.Min(sent, _total) / _total} %)";

    /// <summary>
    /// The stream the HTTP client sends from, counted as it reads it. Disposing it (the request is done, or failed) ends
    /// the bar, so an error message is never drawn over.
    /// </summary>
    public Stream Wrap(Stream inner) => new IO.ReadCountingStream(inner, n => Report(n), () => _bar?.Dispose());

    public void Report(long bytes)
    {
        var sent = Interlocked.Add(ref _sent, bytes);
        if (_bar is not null)
        {
            _bar.Value = sent;
            if (sent >= _total) _bar.Dispose();
            return;
        }
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
