using Microsoft.ML.OnnxRuntime;

namespace Fleet.Shared.Personalisation.Embedding;

/// <summary>
/// An ONNX Runtime session of a sentence-transformer export; runs one batch and mean-pools it. It owns the model file's
/// mapped lookup tables it reads, if any, and releases them after itself.
/// </summary>
public sealed class OrtEmbeddingSession(InferenceSession session, MappedLookupTables? tables = null) : IEmbeddingSession
{
    public InferenceSession Session => session;

    public const string HiddenState = "last_hidden_state";
    private static readonly string[] OutputNames = [HiddenState];

    public void Dispose()
    {
        session.Dispose();
        tables?.Dispose();
        IO.NativeHeap.Trim(); // the free pages the closed session leaves between live blocks
    }

    /// <summary>One Run for the whole batch; InferenceSession.Run is thread-safe, so no lock here.</summary>
    public float[][] Run(TokenBatch batch)
    {
        long[] shape = [batch.Batch, batch.SeqLen];
        var names = new List<string>(3);
        var values = new List<OrtValue>(3);
        try
        {
            Add("input_ids", batch.InputIds);
            Add("attention_mask", batch.AttentionMask);
            Add("token_type_ids", batch.TokenTypeIds);
            using var runOptions = new RunOptions();
            using var outputs = Session.Run(runOptions, names, values, OutputNames);
            var hidden = outputs[0].GetTensorDataAsSpan<float>();
            var dim = (int)outputs[0].GetTensorTypeAndShape().Shape[2];
            var result = new float[batch.Batch][];
            for (var i = 0; i < batch.Batch; i++)
            {
                var rows = hidden.Slice(i * batch.SeqLen * dim, batch.SeqLen * dim);
                result[i] = Vectors.MeanPoolNormalised(rows, batch.AttentionMask.AsSpan(i * batch.SeqLen, batch.SeqLen), batch.SeqLen, dim);
            }
            return result;
        }
        finally
        {
            foreach (var v in values) v.Dispose();
        }

        // Some exports drop token_type_ids; feed only what the graph declares.
        void Add(string name, long[] data)
        {
            if (!Session.InputMetadata.ContainsKey(name)) return;
            names.Add(name);
            values.Add(OrtValue.CreateTensorValueFromMemory(data, shape));
        }
    }
}
