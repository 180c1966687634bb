using FastBertTokenizer;

namespace Fleet.Shared.Personalisation.Embedding;

/// <summary>Token ids, attention mask and type ids of a batch as [batch, seq] int64, padded only to the longest sentence.</summary>
public sealed record TokenBatch(long[] InputIds, long[] AttentionMask, long[] TokenTypeIds, int Batch, int SeqLen)
{
    // The tokenizer reuses internal buffers, so encoding is serialised; it takes microseconds next to inference.
    private static readonly Lock Gate = new();

    internal static TokenBatch Encode(BertTokenizer tokenizer, IReadOnlyList<string> texts, int maxTokens)
    {
        var ids = new long[texts.Count * maxTokens];
        var mask = new long[ids.Length];
        var types = new long[ids.Length];
        var seq = 1;
        lock (Gate)
        {
            for (var i = 0; i < texts.Count; i++)
            {
                var slice = new Range(i * maxTokens, (i + 1) * maxTokens);
                var n = tokenizer.Encode(texts[i], ids.AsSpan(slice), mask.AsSpan(slice), types.AsSpan(slice));
                seq = Math.Max(seq, n);
            }
        }
        if (seq == maxTokens) return new TokenBatch(ids, mask, types, texts.Count, seq);
        // Padding to the longest sentence rather than maxTokens keeps a batch of short copy lines cheap.
        return new TokenBatch(Compact(ids, texts.Count, maxTokens, seq), Compact(mask, texts.Count, maxTokens, seq),
            Compact(types, texts.Count, maxTokens, seq), texts.Count, seq);
    }

    private static long[] Compact(long[] source, int batch, int stride, int seq)
    {
        var target = new long[batch * seq];
        for (var i = 0; i < batch; i++)
            source.AsSpan(i * stride, seq).CopyTo(target.AsSpan(i * seq, seq));
        return target;
    }
}
