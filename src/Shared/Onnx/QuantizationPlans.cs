namespace Fleet.Shared.Onnx;

/// <summary>
/// How aggressively MatMul weights are quantised, most aggressive first. <c>auto</c> tries them in this order and keeps
/// the first whose copy choices agree with fp32: run-time int8 activations are what costs accuracy (one scale per
/// tensor), and the widest-input weights (a BERT block's FFN output) see the widest activations.
/// </summary>
public static class QuantizationPlans
{
    public const string Auto = "auto";

    /// <summary>Plan names in the order <c>auto</c> tries them.</summary>
    public static readonly IReadOnlyList<string> Names = ["dynamic", "mixed", "weight-only"];

    /// <summary>The per-weight choice for <paramref name="plan"/>, given every MatMul weight's shape.</summary>
    public static Func<string, long, long, WeightMode> For(string plan, IReadOnlyDictionary<string, (long Rows, long Cols)> weights) => plan switch
    {
        "dynamic" => (_, _, _) => WeightMode.Dynamic,
        "mixed" => Mixed(weights),
        "weight-only" => (_, _, _) => WeightMode.WeightOnly,
        _ => throw new ArgumentException($"unknown quantisation plan '{plan}' (use {Auto}, {string.Join(", ", Names)})"),
    };

    private static Func<string, long, long, WeightMode> Mixed(IReadOnlyDictionary<string, (long Rows, long Cols)> weights)
    {
        var widest = weights.Count == 0 ? 0 : weights.Values.Max(w => w.Rows);
        return (_, rows, _) => rows == widest ? WeightMode.WeightOnly : WeightMode.Dynamic;
    }
}
