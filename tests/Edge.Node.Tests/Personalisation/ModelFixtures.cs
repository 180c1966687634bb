using Fleet.Shared.Personalisation.Embedding;

namespace Fleet.Edge.Node.Tests.Personalisation;

/// <summary>Temporary folders holding broken copies of the model, for fault tests.</summary>
internal static class ModelFixtures
{
    /// <summary>A folder with the real vocab and a truncated, garbled model.onnx.</summary>
    public static string CorruptModelDir()
    {
        var dir = Directory.CreateTempSubdirectory("fleet-corrupt-model-").FullName;
        File.Copy(MiniLmOptions.Default.VocabPath, Path.Combine(dir, "vocab.txt"));
        var bytes = new byte[64 * 1024];
        new Random(7).NextBytes(bytes);
        File.WriteAllBytes(Path.Combine(dir, "model.onnx"), bytes);
        return dir;
    }

    /// <summary>A folder with a copy of the real model: its own process-wide session, which a test may close.</summary>
    public static string ModelCopyDir()
    {
        var dir = Directory.CreateTempSubdirectory("fleet-model-copy-").FullName;
        File.Copy(MiniLmOptions.Default.VocabPath, Path.Combine(dir, "vocab.txt"));
        File.Copy(MiniLmOptions.Default.ModelPath, Path.Combine(dir, "model.onnx"));
        return dir;
    }

    /// <summary>A fresh empty data folder.</summary>
    public static string DataDir() => Directory.CreateTempSubdirectory("fleet-personalise-data-").FullName;
}
