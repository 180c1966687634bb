namespace Fleet.Edge.Rendering;

/// <summary>
/// At most <see cref="Limit"/> renders of the local API at once (<c>--max-concurrent-renders</c>): a render holds a
/// CPU or GPU encoder for seconds, so a player or a script that sends more is told to come back (429) instead of
/// queueing work behind the deadline of every ad in flight.
/// </summary>
public sealed class RenderGate(int limit)
{
    public const int DefaultLimit = 2;

    /// <summary>What a refused caller is told to wait: about one render.</summary>
    public static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(2);

    private int _inFlight;

    public int Limit { get; } = limit >= 1 ? limit : throw new ArgumentOutOfRangeException(nameof(limit), "at least one render");

    /// <summary>A slot for one render, released on dispose; null when all <see cref="Limit"/> are taken.</summary>
    public IDisposable? TryEnter()
    {
        if (Interlocked.Increment(ref _inFlight) <= Limit) return new Slot(this);
        Interlocked.Decrement(ref _inFlight);
        return null;
    }

    private sealed class Slot(RenderGate gate) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0) Interlocked.Decrement(ref gate._inFlight);
        }
    }
}
