namespace Fleet.Shared.Personalisation.Embedding;

/// <summary>Pure vector maths for sentence embeddings: masked mean pooling, L2 normalisation and cosine similarity.</summary>
public static class Vectors
{
    /// <summary>Mean of the token vectors of one row of <c>last_hidden_state</c>, counting only positions whose mask is 1, then L2-normalised.</summary>
    public static float[] MeanPoolNormalised(ReadOnlySpan<float> hidden, ReadOnlySpan<long> mask, int seqLen, int dim)
    {
        var sum = new float[dim];
        var count = 0;
        for (var t = 0; t < seqLen; t++)
        {
            if (mask[t] == 0) continue;
            count++;
            var row = hidden.Slice(t * dim, dim);
            for (var d = 0; d < dim; d++) sum[d] += row[d];
        }
        if (count > 0)
            for (var d = 0; d < dim; d++) sum[d] /= count;
        return Normalise(sum);
    }

    /// <summary>Scales in place to unit length (a zero vector stays zero) and returns the same array.</summary>
    public static float[] Normalise(float[] v)
    {
        double sq = 0;
        foreach (var x in v) sq += (double)x * x;
        if (sq <= 0) return v;
        var inv = (float)(1.0 / Math.Sqrt(sq));
        for (var i = 0; i < v.Length; i++) v[i] *= inv;
        return v;
    }

    /// <summary>Cosine similarity; for unit vectors this is the dot product, but it normalises anyway so callers cannot get it wrong.</summary>
    public static double Cosine(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        if (a.Length != b.Length) throw new ArgumentException("Vectors differ in length.");
        double dot = 0, na = 0, nb = 0;
        for (var i = 0; i < a.Length; i++)
        {
            dot += (double)a[i] * b[i];
            na += (double)a[i] * a[i];
            nb += (double)b[i] * b[i];
        }
        return na == 0 || nb == 0 ? 0 : dot / Math.Sqrt(na * nb);
    }
}
