using System.Collections.Concurrent;
using Fleet.Shared.Personalisation.Embedding;

namespace Fleet.Edge.Personalisation.Copy;

/// <summary>
/// Recent context sentences and their vectors. A kiosk's context (daypart, weather, inventory) changes a few times an hour
/// while ads render continuously, so most choices skip inference entirely.
/// </summary>
public sealed class ContextEmbeddings(IEmbedder embedder, int capacity = 256)
{
    private readonly ConcurrentDictionary<string, float[]> _vectors = new(StringComparer.Ordinal);

    /// <summary>Cache hits so far (diagnostics and tests).</summary>
    public int Hits => _hits;
    private int _hits;

    public float[] Get(string sentence)
    {
        if (_vectors.TryGetValue(sentence, out var cached))
        {
            Interlocked.Increment(ref _hits);
            return cached;
        }
        var vector = embedder.Embed([sentence])[0];
        // Clearing wholesale at capacity is crude but bounded and lock-free; contexts repeat, so it refills fast.
        if (_vectors.Count >= capacity) _vectors.Clear();
        _vectors[sentence] = vector;
        return vector;
    }
}
