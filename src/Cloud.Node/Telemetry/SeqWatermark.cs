using System.Collections.Immutable;

namespace Fleet.Cloud.Telemetry;

/// <summary>
/// Which seqs of one device are stored: everything up to <see cref="Contiguous"/>, plus the seqs above it that arrived
/// early (devices send newest first). Pure; the ingest actor persists what it decides.
/// </summary>
public sealed record SeqWatermark(long Contiguous, ImmutableSortedSet<long> Above)
{
    public static readonly SeqWatermark None = new(0, ImmutableSortedSet<long>.Empty);

    public bool Has(long seq) => seq <= Contiguous || Above.Contains(seq);

    public SeqWatermark With(IEnumerable<long> seqs)
    {
        var above = Above.ToBuilder();
        foreach (var s in seqs) if (s > Contiguous) above.Add(s);
        var contiguous = Contiguous;
        while (above.Remove(contiguous + 1)) contiguous++;
        return new SeqWatermark(contiguous, above.ToImmutable());
    }
}
