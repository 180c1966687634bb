namespace Fleet.Shared.Resilience;

/// <summary>
/// Fleet's one backoff formula: after <c>n</c> failures wait <c>min(Max, First · 2^(n-1))</c>, spread by ±<see cref="Jitter"/>
/// so that many devices that lost the same cloud do not come back in lockstep. Reconnect loops, job retries, journal
/// clean-ups and the HTTP retry pipeline (<see cref="Http.FleetHttp"/>) all compute their delays here.
/// </summary>
/// <param name="First">The delay after the first failure.</param>
/// <param name="Max">The longest delay before jitter (the doubling stops here).</param>
/// <param name="Jitter">The fraction of the delay added or taken away at random, 0 (none) to 1.</param>
public sealed record Backoff(TimeSpan First, TimeSpan Max, double Jitter = 0)
{
    /// <summary>The delay after <paramref name="failures"/> failures in a row (values below 1 count as 1).</summary>
    public TimeSpan Delay(int failures) => Delay(failures, Jitter == 0 ? 0.5 : Random.Shared.NextDouble());

    /// <summary>The same with the random draw given (0 ≤ <paramref name="draw"/> &lt; 1; 0.5 is the unjittered delay).</summary>
    public TimeSpan Delay(int failures, double draw)
    {
        if (First <= TimeSpan.Zero || Max < First) throw new ArgumentException($"a backoff needs 0 < first ({First}) ≤ max ({Max})");
        if (Jitter is < 0 or > 1) throw new ArgumentException($"jitter {Jitter} is not a fraction from 0 to 1");
        // Past 2^30 every sensible Max is reached; the cap keeps the double far from overflow.
        var doublings = Math.Clamp(failures - 1, 0, 30);
        var capped = Math.Min(Max.TotalMilliseconds, First.TotalMilliseconds * Math.Pow(2, doublings));
        return TimeSpan.FromMilliseconds(capped * (1 - Jitter + 2 * Jitter * draw));
    }
}
