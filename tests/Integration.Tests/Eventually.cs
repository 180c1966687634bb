using System.Diagnostics;

namespace Fleet.Integration.Tests;

/// <summary>Polls a probe until it holds; on timeout the failure names what was awaited and the last value seen.</summary>
public static class Eventually
{
    public static async Task<T> Until<T>(Func<Task<T>> probe, Func<T, bool> done, TimeSpan timeout, string what)
    {
        var sw = Stopwatch.StartNew();
        T last = default!;
        Exception? lastError = null;
        while (sw.Elapsed < timeout)
        {
            try
            {
                last = await probe();
                if (done(last)) return last;
            }
            catch (Exception e) { lastError = e; }
            await Task.Delay(100);
        }
        throw new TimeoutException($"{what} not reached within {timeout.TotalSeconds:0}s (last: {last}; last error: {lastError?.Message})");
    }
}
