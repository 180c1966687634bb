using Fleet.Shared.Onnx;
using Fleet.Shared.Onnx.Proto;
using Fleet.Shared.Personalisation.Embedding;
using Google.Protobuf;

namespace Fleet.Edge.Node.Tests.Personalisation;

/// <summary>The INT8 quantiser on the real all-MiniLM-L6-v2 model, checked by ONNX Runtime against fp32.</summary>
public sealed class Int8QuantizerTests : IClassFixture<Int8QuantizerTests.Reference>
{
    private readonly Reference _reference;

    public Int8QuantizerTests(Reference reference) => _reference = reference;

    [Fact]
    public void Weight_only_int8_loads_is_a_quarter_of_the_size_and_agrees_with_fp32()
    {
        var (bytes, summary) = Quantised("weight-only", bits: 8);
        var report = _reference.Check.Check(bytes, summary, "weight-only");

        Assert.True(report.Passed, report.Summary);
        Assert.True(report.CosineMin > 0.99, report.Summary);
        Assert.True(report.Int8Bytes * 3 < report.Fp32Bytes, report.Summary);
        Assert.Equal((0, 37, 2), (summary.MatMuls, summary.WeightOnly, summary.Gathers));
    }

    [Fact]
    public void Dynamic_int8_runs_matmul_integer_and_stays_close_to_fp32()
    {
        var (bytes, summary) = Quantised("dynamic", bits: 8);
        var report = _reference.Check.Check(bytes, summary, "dynamic");

        Assert.Equal(37, summary.MatMuls);
        Assert.Contains("MatMulInteger", ModelProto.Parser.ParseFrom(bytes).Graph.Node.Select(n => n.OpType));
        Assert.True(report.CosineMean > 0.98, report.Summary);
    }

    [Fact]
    public void Two_bit_weights_are_refused_with_the_numbers()
    {
        var (bytes, summary) = Quantised("weight-only", bits: 2);
        var report = _reference.Check.Check(bytes, summary, "weight-only");

        Assert.False(report.Passed, report.Summary);
        Assert.Contains("cosine mean", report.Summary);
        Assert.Contains("copy agreement", report.Summary);
    }

    [Fact]
    public void A_model_without_opset_13_is_refused_before_any_rewrite()
    {
        var model = _reference.Model.Clone();
        foreach (var o in model.OpsetImport) o.Version = 10;
        var nodes = model.Graph.Node.Count;

        var error = Assert.Throws<InvalidDataException>(() => Int8Quantizer.Quantize(model));

        Assert.Contains("opset is 10", error.Message);
        Assert.Equal(nodes, model.Graph.Node.Count);
    }

    private (byte[] Bytes, QuantizeSummary Summary) Quantised(string plan, int bits)
    {
        var model = _reference.Model.Clone();
        var summary = Int8Quantizer.Quantize(model, bits, QuantizationPlans.For(plan, Int8Quantizer.MatMulWeights(model)));
        return (model.ToByteArray(), summary);
    }

    /// <summary>The fp32 model parsed once and its reference embeddings on a small, fixed set of contexts.</summary>
    public sealed class Reference : IDisposable
    {
        public ModelProto Model { get; } = ModelProto.Parser.ParseFrom(File.ReadAllBytes(MiniLmOptions.Default.ModelPath));

        public QuantizationCheck Check { get; } = new(MiniLmOptions.Default.ModelPath, MiniLmOptions.Default.VocabPath,
            CopyPools.Generic, ReferenceContexts.Sentences(60), threshold: 0.98);

        public void Dispose() => Check.Dispose();
    }
}
