using System.CommandLine;
using Fleet.Shared.Campaigns;
using Fleet.Shared.Onnx;
using Fleet.Shared.Onnx.Proto;
using Fleet.Shared.Serialization;
using Google.Protobuf;

namespace Fleet.Cloud.Cli;

/// <summary>
/// <c>fleet-cloud model quantize FILE --out FILE</c>: the INT8 copy of an fp32 sentence-embedding model, written only
/// when its embeddings and copy choices agree with the fp32 model's (see <see cref="QuantizationCheck"/>).
/// </summary>
public static class ModelQuantizeCommand
{
    public static Command Create()
    {
        var file = new Argument<string>("FILE") { Description = "the fp32 sentence-embedding model (ONNX)" };
        var output = CliOption.Text("--out", "where to write the INT8 model (not the input)", "FILE");
        output.Required = true;
        var campaign = CliOption.Text("--campaign", "check the copy choices on this campaign folder's texts (default: generic copy pools)", "DIR");
        var threshold = CliOption.Text("--threshold", "the least agreement with fp32 that is written (0 < T <= 1; default 0.98)", "T");
        var contexts = CliOption.Int("--contexts", 300, "how many reference contexts to compare on", 1, 5000);
        var vocab = CliOption.Text("--vocab", "the tokenizer vocabulary (default: vocab.txt next to the model)", "FILE");
        var bits = CliOption.Int("--bits", 8, "bits per quantised weight (2-8)", 2, 8, "weight bits");
        var plan = CliOption.Text("--plan", QuantizationPlans.Auto,
            $"{QuantizationPlans.Auto} (try each in turn until one agrees) or one of {string.Join(", ", QuantizationPlans.Names)}", "PLAN");
        var quantize = new Command("quantize", "write an INT8 copy of an fp32 embedding model, checked against fp32")
        {
            file, output, campaign, threshold, contexts, vocab, bits, plan,
        }.WithDetails("""
            Refused, with nothing written, when its embeddings and copy choices agree with the fp32 model's below the
            threshold; exits 1 then.
            """);
        quantize.SetAction(r => Run(r.GetValue(file)!, r.GetValue(output)!, r.GetValue(vocab), r.GetValue(threshold), r.GetValue(bits), r.GetValue(contexts),
            r.GetValue(campaign), r.GetValue(plan)!, r.GetValue(FleetCli.Json)));
        return quantize;
    }

    private static int Run(string file, string output, string? vocabFile, string? thresholdText, int bits, int contextCount, string? campaignDir, string plan, bool json)
    {
        if (!File.Exists(file)) throw new FleetException($"{file}: no such file");
        if (Path.GetFullPath(output) == Path.GetFullPath(file)) throw new UsageException("--out must differ from the input model");
        var vocab = vocabFile ?? Path.Combine(Path.GetDirectoryName(Path.GetFullPath(file))!, "vocab.txt");
        if (!File.Exists(vocab)) throw new FleetException($"{vocab}: no vocab.txt next to the model (give --vocab FILE)");
        var threshold = Threshold(thresholdText);
        var contexts = ReferenceContexts.Sentences(contextCount);
        var pools = campaignDir is { } dir ? PoolsOf(CampaignCopy(dir)) : CopyPools.Generic;

        var plans = plan == QuantizationPlans.Auto ? QuantizationPlans.Names
            : QuantizationPlans.Names.Contains(plan) ? [plan]
            : throw new UsageException($"--plan must be {QuantizationPlans.Auto} or one of {string.Join(", ", QuantizationPlans.Names)}, got '{plan}'");

        var original = Parse(file);
        var weights = Int8Quantizer.MatMulWeights(original);
        using var check = new QuantizationCheck(file, vocab, pools, contexts, threshold);
        var tried = new List<QuantizationReport>();
        byte[]? bytes = null;
        foreach (var name in plans)
        {
            var model = original.Clone();
            QuantizeSummary summary;
            try
            {
                summary = Int8Quantizer.Quantize(model, bits, QuantizationPlans.For(name, weights));
            }
            catch (InvalidDataException ex)
            {
                throw new FleetException($"{file}: {ex.Message}");
            }
            if (summary.MatMuls + summary.WeightOnly + summary.Gathers == 0)
                throw new FleetException($"{file}: no MatMul/Gemm or Gather with a constant fp32 weight to quantise");
            var candidate = model.ToByteArray();
            tried.Add(check.Check(candidate, summary, name));
            if (tried[^1].Passed) { bytes = candidate; break; }
        }
        var report = tried[^1];
        // Refused: nothing is written, so a failed run can never be mistaken for a usable model.
        if (bytes is null) throw new FleetException($"refused: the INT8 model is too far from fp32: {string.Join("; ", tried.Select(r => r.Summary))}");

        var temp = output + ".tmp-" + Guid.NewGuid().ToString("N");
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(output))!);
            File.WriteAllBytes(temp, bytes);
            File.Move(temp, output, overwrite: true);
        }
        finally
        {
            File.Delete(temp);
        }
        Console.Write(json ? CliJson.Of(report)
            : string.Concat(tried.SkipLast(1).Select(r => $"tried {r.Summary}\n")) +
              $"quantized {file} -> {output}: {report.Quantized.MatMuls} MatMul/Gemm with int8 activations, {report.Quantized.WeightOnly} weight-only, " +
              $"{report.Quantized.Gathers} Gather tables\n{report.Summary}\n");
        return 0;
    }

    private static double Threshold(string? raw)
    {
        if (raw is null) return 0.98;
        return double.TryParse(raw, System.Globalization.CultureInfo.InvariantCulture, out var t) && t is > 0 and <= 1 ? t
            : throw new UsageException($"--threshold must be a number in (0, 1], got '{raw}'");
    }

    private static ModelProto Parse(string file)
    {
        try
        {
            using var stream = File.OpenRead(file);
            var model = ModelProto.Parser.ParseFrom(stream);
            return model.Graph is { Node.Count: > 0 } ? model : throw new FleetException($"{file}: not an ONNX model (no graph)");
        }
        catch (InvalidProtocolBufferException ex)
        {
            throw new FleetException($"{file}: not an ONNX model ({ex.Message})");
        }
    }

    // Only the copy matters here, so a campaign folder whose media are not built yet still works.
    private static CampaignSpec CampaignCopy(string dir)
    {
        var path = Path.Combine(dir, CampaignLoader.FileName);
        if (!File.Exists(path)) throw new FleetException($"{dir}: no {CampaignLoader.FileName} in the campaign folder");
        return SchemaCheckedJson.Load<CampaignSpec>(path, CampaignLoader.SchemaName);
    }

    // What a device embeds for a variant: its text, then its tags.
    private static CopyPools PoolsOf(CampaignSpec spec) => new(spec.Headlines.Select(TextOf).ToList(), spec.Ctas.Select(TextOf).ToList());

    private static string TextOf(CopyVariant v) => v.Tags is { Count: > 0 } tags ? $"{v.Text} ({string.Join(", ", tags)})" : v.Text;
}
