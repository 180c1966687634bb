using Microsoft.ML.OnnxRuntime;
using SessionOptions = Microsoft.ML.OnnxRuntime.SessionOptions;

namespace Fleet.Shared.Personalisation.Embedding;

/// <summary>Maps a configured accelerator name to an ONNX Runtime execution provider and appends it to session options.</summary>
public static class ExecutionProviders
{
    /// <summary>The provider name this process always falls back to.</summary>
    public const string Cpu = "cpu";

    /// <summary>
    /// Appends the named provider. Throws when this build of ONNX Runtime or this machine lacks it; the caller then
    /// falls back to CPU. Names are lower-case aliases so device config stays readable ("npu" is Qualcomm QNN, the NPU
    /// ONNX Runtime ships an execution provider for).
    /// </summary>
    public static void Append(SessionOptions options, string provider)
    {
        switch (Normalise(provider))
        {
            case "cuda": options.AppendExecutionProvider_CUDA(0); break;
            case "tensorrt": options.AppendExecutionProvider_Tensorrt(0); break;
            case "rocm": options.AppendExecutionProvider_ROCm(0); break;
            case "dml": options.AppendExecutionProvider_DML(0); break;
            case "openvino": options.AppendExecutionProvider_OpenVINO(""); break;
            case "coreml": options.AppendExecutionProvider_CoreML(CoreMLFlags.COREML_FLAG_USE_NONE); break;
            case "npu":
            case "qnn": options.AppendExecutionProvider("QNN", new Dictionary<string, string> { ["backend_path"] = "libQnnHtp.so" }); break;
            case "xnnpack": options.AppendExecutionProvider("XNNPACK", new Dictionary<string, string>()); break;
            case Cpu: break;
            default: throw new NotSupportedException($"Unknown execution provider '{provider}'.");
        }
    }

    /// <summary>Every name <see cref="Append"/> knows; <c>npu</c> is an alias of <c>qnn</c>.</summary>
    public static readonly IReadOnlyList<string> Known = [Cpu, "xnnpack", "qnn", "npu", "cuda", "tensorrt", "rocm", "dml", "openvino", "coreml"];

    /// <summary>
    /// The accelerator chain from <c>--ep</c> text such as <c>xnnpack,cpu</c>: names in order, CPU appended when absent
    /// (it always works, so the chain never runs dry). Throws <see cref="ArgumentException"/> for a name neither ONNX
    /// Runtime nor <paramref name="delegates"/> provide.
    /// </summary>
    public static IReadOnlyList<string> Chain(string? text, IEnumerable<string>? delegates = null)
    {
        var extra = delegates?.ToHashSet(StringComparer.Ordinal) ?? [];
        var names = (text ?? Cpu).Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(Normalise).Distinct().ToList();
        foreach (var name in names.Where(n => !Known.Contains(n) && !extra.Contains(n)))
            throw new ArgumentException($"unknown execution provider '{name}' (known: {string.Join(", ", Known.Concat(extra))})");
        if (!names.Contains(Cpu)) names.Add(Cpu);
        return names;
    }

    /// <summary>Lower-case, trimmed; empty means CPU.</summary>
    public static string Normalise(string? provider) =>
        string.IsNullOrWhiteSpace(provider) ? Cpu : provider.Trim().ToLowerInvariant();
}
