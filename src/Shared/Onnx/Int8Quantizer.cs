using System.Runtime.InteropServices;
using Fleet.Shared.Onnx.Proto;
using Google.Protobuf;
using static Fleet.Shared.Onnx.Proto.TensorProto.Types;

namespace Fleet.Shared.Onnx;

/// <summary>How one constant MatMul/Gemm weight is treated.</summary>
public enum WeightMode
{
    /// <summary>int8 weight and run-time int8 activation (DynamicQuantizeLinear → MatMulInteger): smallest and fastest on CPU.</summary>
    Dynamic,
    /// <summary>int8 weight, DequantizeLinear (QDQ) in front of a float MatMul: same size, fp32 activations, almost no accuracy loss.</summary>
    WeightOnly,
    /// <summary>Left fp32.</summary>
    Float,
}

/// <summary>What <see cref="Int8Quantizer"/> changed.</summary>
/// <param name="MatMuls">MatMul/Gemm weights quantised with run-time int8 activations (MatMulInteger).</param>
/// <param name="WeightOnly">MatMul/Gemm weights stored int8 behind DequantizeLinear, activations left float.</param>
/// <param name="Gathers">Embedding-table Gathers whose table became int8 (per row).</param>
public sealed record QuantizeSummary(int MatMuls, int WeightOnly, int Gathers);

/// <summary>
/// Dynamic INT8 quantisation of an ONNX graph, the way ONNX Runtime's own <c>quantize_dynamic</c> (per-channel) does it:
/// a constant MatMul weight becomes int8 with one symmetric scale per output column, the activation is quantised at run
/// time by DynamicQuantizeLinear, and MatMulInteger → Cast → Mul(scale_a·scale_w) restores float. ONNX Runtime's CPU EP
/// fuses exactly this pattern into its DynamicQuantizeMatMul kernel. Large embedding tables (Gather on a constant) are
/// stored int8 with one scale per row and rescaled after the lookup, which is most of a BERT model's bytes.
/// </summary>
public static class Int8Quantizer
{
    /// <summary>Weights smaller than this stay fp32: their bytes do not matter and they are often biases or norms.</summary>
    public const int MinElements = 4096;

    /// <summary>Rewrites <paramref name="model"/> in place.</summary>
    /// <param name="weightBits">2–8: bits of the signed weight range; 8 is the real thing, fewer exists to prove the accuracy gate refuses a bad copy.</param>
    /// <param name="modeOf">Per MatMul/Gemm weight (initializer name, rows, cols); null: <see cref="WeightMode.Dynamic"/> for all.</param>
    /// <param name="tables">Also store embedding tables (Gather on a constant) int8, one scale per row.</param>
    public static QuantizeSummary Quantize(ModelProto model, int weightBits = 8, Func<string, long, long, WeightMode>? modeOf = null, bool tables = true)
    {
        if (weightBits is < 2 or > 8) throw new ArgumentOutOfRangeException(nameof(weightBits), "weight bits must be 2-8");
        var graph = model.Graph ?? throw new InvalidDataException("the model has no graph");
        var opset = model.OpsetImport.Where(o => string.IsNullOrEmpty(o.Domain) || o.Domain == "ai.onnx").Select(o => o.Version).DefaultIfEmpty(0).Max();
        // DynamicQuantizeLinear exists from opset 11; raising the opset would change other operators' meaning.
        if (opset < 13) throw new InvalidDataException($"the model's opset is {opset}; INT8 quantisation here needs opset 13 or newer (per-axis DequantizeLinear)");
        if (graph.Initializer.Any(t => t.DataLocation == 1 || t.ExternalData.Count > 0))
            throw new InvalidDataException("the model keeps weights in external data files; only self-contained models are supported");

        var weights = graph.Initializer.ToDictionary(t => t.Name, StringComparer.Ordinal);
        var names = new UniqueNames(graph);
        var rewritten = new List<NodeProto>(graph.Node.Count * 2);
        var replaced = new HashSet<string>(StringComparer.Ordinal);
        int matMuls = 0, weightOnly = 0, gathers = 0;
        foreach (var node in graph.Node)
        {
            var nodes = node.OpType switch
            {
                "MatMul" when IsQuantisable(node, 1, weights, out var w) && ModeOf(w) != WeightMode.Float =>
                    MatMul(node, node.Input[0], w, ModeOf(w), transpose: false, bias: null),
                "Gemm" when IsPlainGemm(node) && IsQuantisable(node, 1, weights, out var w) && ModeOf(w) != WeightMode.Float =>
                    MatMul(node, node.Input[0], w, ModeOf(w), transpose: Attr(node, "transB") == 1, bias: node.Input.Count > 2 ? node.Input[2] : null),
                "Gather" when tables && (Attr(node, "axis") ?? 0) == 0 && IsQuantisable(node, 0, weights, out var w) => Gather(node, w),
                _ => null,
            };
            if (nodes is null) { rewritten.Add(node); continue; }
            if (node.OpType == "Gather") gathers++;
            else if (ModeOf(weights[node.Input[1]]) == WeightMode.WeightOnly) weightOnly++;
            else matMuls++;
            replaced.Add(node.OpType == "Gather" ? node.Input[0] : node.Input[1]);
            rewritten.AddRange(nodes);
        }
        graph.Node.Clear();
        graph.Node.AddRange(rewritten);
        // A weight some other node still reads stays; the rest are now only in their int8 form.
        var stillRead = graph.Node.SelectMany(n => n.Input).ToHashSet(StringComparer.Ordinal);
        foreach (var name in replaced.Where(n => !stillRead.Contains(n))) graph.Initializer.Remove(weights[name]);
        model.ProducerName = string.IsNullOrEmpty(model.ProducerName) ? "fleet-int8" : model.ProducerName + "+fleet-int8";
        return new QuantizeSummary(matMuls, weightOnly, gathers);

        WeightMode ModeOf(TensorProto w) => modeOf?.Invoke(w.Name, w.Dims[0], w.Dims[1]) ?? WeightMode.Dynamic;

        List<NodeProto> MatMul(NodeProto node, string input, TensorProto weight, WeightMode mode, bool transpose, string? bias)
        {
            var (k, n) = ((int)weight.Dims[0], (int)weight.Dims[1]);
            var values = FloatsOf(weight);
            if (transpose) (values, k, n) = (Transpose(values, k, n), n, k);
            var (q, scales) = QuantiseColumns(values, k, n, weightBits);
            var p = names.Prefix(node.Output[0]);
            graph.Initializer.Add(Int8Tensor(p + "_W_quantized", [k, n], q));
            graph.Initializer.Add(Int8Tensor(p + "_W_zero_point", [n], new sbyte[n]));
            graph.Initializer.Add(FloatTensor(p + "_W_scale", [n], scales));
            var output = node.Output[0];
            var product = bias is null ? output : p + "_no_bias";
            var result = mode == WeightMode.WeightOnly
                ? new List<NodeProto>
                {
                    // Per-axis DequantizeLinear (opset 13) is the QDQ form NPU providers consume; ORT keeps it, not folding it back to fp32.
                    Node("DequantizeLinear", [p + "_W_quantized", p + "_W_scale", p + "_W_zero_point"], [p + "_W_dequantized"], p + "_dequant", IntAttr("axis", 1)),
                    Node("MatMul", [input, p + "_W_dequantized"], [product], p + "_matmul"),
                }
                : new List<NodeProto>
            {
                Node("DynamicQuantizeLinear", [input], [p + "_A_quantized", p + "_A_scale", p + "_A_zero_point"], p + "_quant"),
                Node("MatMulInteger", [p + "_A_quantized", p + "_W_quantized", p + "_A_zero_point", p + "_W_zero_point"], [p + "_int32"], p + "_matmul"),
                Node("Cast", [p + "_int32"], [p + "_int32_float"], p + "_cast", IntAttr("to", (int)DataType.Float)),
                Node("Mul", [p + "_A_scale", p + "_W_scale"], [p + "_scale"], p + "_scale_mul"),
                Node("Mul", [p + "_int32_float", p + "_scale"], [product], p + "_rescale"),
            };
            if (bias is not null) result.Add(Node("Add", [product, bias], [output], p + "_bias"));
            return result;
        }

        List<NodeProto> Gather(NodeProto node, TensorProto table)
        {
            var (rows, dim) = ((int)table.Dims[0], (int)table.Dims[1]);
            var (q, scales) = QuantiseRows(FloatsOf(table), rows, dim, weightBits);
            var p = names.Prefix(node.Output[0]);
            graph.Initializer.Add(Int8Tensor(p + "_table_quantized", [rows, dim], q));
            graph.Initializer.Add(FloatTensor(p + "_row_scale", [rows, 1], scales));
            return
            [
                Node("Gather", [p + "_table_quantized", node.Input[1]], [p + "_rows"], p + "_gather", IntAttr("axis", 0)),
                Node("Cast", [p + "_rows"], [p + "_rows_float"], p + "_cast", IntAttr("to", (int)DataType.Float)),
                Node("Gather", [p + "_row_scale", node.Input[1]], [p + "_scales"], p + "_gather_scale", IntAttr("axis", 0)),
                Node("Mul", [p + "_rows_float", p + "_scales"], [node.Output[0]], p + "_rescale"),
            ];
        }

        bool IsQuantisable(NodeProto node, int index, Dictionary<string, TensorProto> all, out TensorProto weight)
        {
            weight = null!;
            if (node.Input.Count <= index || !all.TryGetValue(node.Input[index], out var w)) return false;
            if (w.DataType != (int)DataType.Float || w.Dims.Count != 2 || w.Dims[0] * w.Dims[1] < MinElements) return false;
            weight = w;
            return true;
        }
    }

    /// <summary>Symmetric per-column quantisation of a row-major [k, n] matrix: column j gets scale max|w[:, j]| / qmax.</summary>
    internal static (sbyte[] Values, float[] Scales) QuantiseColumns(float[] w, int k, int n, int bits)
    {
        var qmax = (1 << (bits - 1)) - 1;
        var scales = new float[n];
        for (var r = 0; r < k; r++)
            for (var c = 0; c < n; c++)
                scales[c] = Math.Max(scales[c], Math.Abs(w[r * n + c]));
        for (var c = 0; c < n; c++) scales[c] = scales[c] == 0 ? 1f : scales[c] / qmax;
        var q = new sbyte[w.Length];
        for (var r = 0; r < k; r++)
            for (var c = 0; c < n; c++)
                q[r * n + c] = (sbyte)Math.Clamp(MathF.Round(w[r * n + c] / scales[c]), -qmax, qmax);
        return (q, scales);
    }

    /// <summary>Symmetric per-row quantisation of a row-major [rows, dim] table (one token's vector shares one scale).</summary>
    internal static (sbyte[] Values, float[] Scales) QuantiseRows(float[] w, int rows, int dim, int bits)
    {
        var qmax = (1 << (bits - 1)) - 1;
        var scales = new float[rows];
        var q = new sbyte[w.Length];
        for (var r = 0; r < rows; r++)
        {
            var row = w.AsSpan(r * dim, dim);
            var max = 0f;
            foreach (var x in row) max = Math.Max(max, Math.Abs(x));
            var scale = max == 0 ? 1f : max / qmax;
            scales[r] = scale;
            for (var c = 0; c < dim; c++) q[r * dim + c] = (sbyte)Math.Clamp(MathF.Round(row[c] / scale), -qmax, qmax);
        }
        return (q, scales);
    }

    /// <summary>Shapes [rows, cols] of the constant MatMul/Gemm weights, by initializer name: what a <c>modeOf</c> chooses over.</summary>
    public static IReadOnlyDictionary<string, (long Rows, long Cols)> MatMulWeights(ModelProto model)
    {
        var read = model.Graph.Node.Where(n => n.OpType is "MatMul" or "Gemm" && n.Input.Count > 1).Select(n => n.Input[1]).ToHashSet(StringComparer.Ordinal);
        return model.Graph.Initializer.Where(t => read.Contains(t.Name) && t.DataType == (int)DataType.Float && t.Dims.Count == 2)
            .ToDictionary(t => t.Name, t => (t.Dims[0], t.Dims[1]), StringComparer.Ordinal);
    }

    private static bool IsPlainGemm(NodeProto node) =>
        Attr(node, "transA") != 1 && AttrF(node, "alpha") is null or 1f && AttrF(node, "beta") is null or 1f;

    private static long? Attr(NodeProto node, string name) => node.Attribute.FirstOrDefault(a => a.Name == name)?.I;
    private static float? AttrF(NodeProto node, string name) => node.Attribute.FirstOrDefault(a => a.Name == name)?.F;

    private static float[] FloatsOf(TensorProto t) =>
        t.HasRawData ? MemoryMarshal.Cast<byte, float>(t.RawData.Span).ToArray() : t.FloatData.ToArray();

    private static float[] Transpose(float[] w, int rows, int cols)
    {
        var t = new float[w.Length];
        for (var r = 0; r < rows; r++)
            for (var c = 0; c < cols; c++)
                t[c * rows + r] = w[r * cols + c];
        return t;
    }

    private static TensorProto Int8Tensor(string name, long[] dims, sbyte[] values) => new()
    {
        Name = name, DataType = (int)DataType.Int8, Dims = { dims },
        RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(values.AsSpan())),
    };

    private static TensorProto FloatTensor(string name, long[] dims, float[] values) => new()
    {
        Name = name, DataType = (int)DataType.Float, Dims = { dims },
        RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(values.AsSpan())),
    };

    private static AttributeProto IntAttr(string name, long value) => new() { Name = name, I = value, Type = AttributeProto.Types.AttributeType.Int };

    private static NodeProto Node(string op, string[] inputs, string[] outputs, string name, params AttributeProto[] attributes) =>
        new() { OpType = op, Input = { inputs }, Output = { outputs }, Name = name, Attribute = { attributes } };

    /// <summary>Prefixes for new tensor names that cannot collide with a name already in the graph.</summary>
    private sealed class UniqueNames(GraphProto graph)
    {
        private readonly HashSet<string> _taken = graph.Node.SelectMany(n => n.Input.Concat(n.Output)).Concat(graph.Initializer.Select(i => i.Name))
            .ToHashSet(StringComparer.Ordinal);
        private int _next;

        public string Prefix(string output)
        {
            var p = output + "_int8";
            while (_taken.Any(t => t.StartsWith(p, StringComparison.Ordinal))) p = $"{output}_int8_{++_next}";
            _taken.Add(p);
            return p;
        }
    }
}
