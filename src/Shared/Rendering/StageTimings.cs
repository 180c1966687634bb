using System.Collections.Concurrent;
using System.Diagnostics;

namespace Fleet.Shared.Rendering;

/// <summary>How long each stage of one render took, in milliseconds by stage name (speech and composite overlap).</summary>
public sealed class StageTimings
{
    public const string Speech = "speech";
    public const string Composite = "composite";

    private readonly ConcurrentDictionary<string, double> _ms = new(StringComparer.Ordinal);

    public IReadOnlyDictionary<string, double> Ms => _ms;

    /// <summary>Runs <paramref name="work"/> and records its time under <paramref name="stage"/>, whether it succeeds or not.</summary>
    public async Task<T> Time<T>(string stage, Func<Task<T>> work)
    {
        var clock = Stopwatch.StartNew();
        try { return await work(); }
        finally { _ms[stage] = Math.Round(clock.Elapsed.TotalMilliseconds, 2); }
    }
}
