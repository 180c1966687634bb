using System.Diagnostics;

namespace Fleet.Bench.Soak;

/// <summary>The soak's progress: one line per fault and operator action, with the time since the start.</summary>
public sealed class SoakLog(bool toStderr)
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly object _gate = new();

    public TimeSpan Elapsed => _clock.Elapsed;

    public void Line(string kind, string text)
    {
        var line = $"[{(int)_clock.Elapsed.TotalMinutes:00}:{_clock.Elapsed.Seconds:00}] {kind,-8} {text}";
        lock (_gate) (toStderr ? Console.Error : Console.Out).WriteLine(line);
    }
}
