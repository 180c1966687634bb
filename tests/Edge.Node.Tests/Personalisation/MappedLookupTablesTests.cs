using Fleet.Shared.Onnx.Proto;
using Fleet.Shared.Personalisation.Embedding;
using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using static Fleet.Shared.Onnx.Proto.TensorProto.Types;

namespace Fleet.Edge.Node.Tests.Personalisation;

public sealed class MappedLookupTablesTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("fleet-mapped-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void The_shipped_models_word_embeddings_are_read_in_place_and_embed_as_a_heap_copy_does()
    {
        var path = MiniLmOptions.Default.ModelPath;
        using (var tables = MappedLookupTables.TryMap(path))
            Assert.Equal(["embeddings.word_embeddings.weight"], tables!.Names); // the MatMul weights stay ONNX Runtime's

        // [CLS] summer sale on sunglasses [SEP], and a longer one padded to it.
        long[] ids = [101, 2621, 5096, 2006, 17072, 102, 0, 0, 101, 3467, 14607, 1999, 4518, 2085, 2005, 102];
        long[] mask = [1, 1, 1, 1, 1, 1, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1];
        var batch = new TokenBatch(ids, mask, new long[ids.Length], 2, 8);
        var earlier = MappingsOf(path).Keys.ToHashSet(); // other tests' sessions of this model, in this process
        using var mapped = new OrtProviderDelegate(ExecutionProviders.Cpu).Open(MiniLmOptions.Default);
        var fromMapping = mapped.Run(batch);
        using var options = OrtProviderDelegate.SessionOptionsFor(MiniLmOptions.Default.IntraOpThreads, MiniLmOptions.Default.AllowSpinning);
        using var heap = new OrtEmbeddingSession(new InferenceSession(path, options));
        var fromHeap = heap.Run(batch);
        for (var i = 0; i < 2; i++)
            for (var d = 0; d < 384; d++) Assert.Equal(fromHeap[i][d], fromMapping[i][d], 6);

        // Read in place: of the table's 45 MB, only the pages around the rows these tokens use are resident (about
        // 0.8 MB here). A session that copied the table would have read all of it through the mapping.
        var resident = MappingsOf(path).Where(m => !earlier.Contains(m.Key)).Sum(m => m.Value);
        Assert.InRange(resident, 1, 16 * 1024);
    }

    [Fact]
    public void A_table_another_node_also_reads_and_a_file_that_is_no_model_are_left_to_onnx_runtime()
    {
        using (var gatherOnly = MappedLookupTables.TryMap(Model(_dir, "gather.onnx", alsoMatMul: false)))
            Assert.Equal(["table"], gatherOnly!.Names);
        Assert.Null(MappedLookupTables.TryMap(Model(_dir, "matmul.onnx", alsoMatMul: true)));

        var noise = Path.Combine(_dir, "noise.onnx");
        var bytes = new byte[3 << 20];
        new Random(7).NextBytes(bytes);
        File.WriteAllBytes(noise, bytes);
        Assert.Null(MappedLookupTables.TryMap(noise));

        var cut = Path.Combine(_dir, "cut.onnx");
        using (var source = File.OpenRead(MiniLmOptions.Default.ModelPath))
        using (var target = File.Create(cut))
        {
            var head = new byte[20 << 20];
            source.ReadExactly(head);
            target.Write(head);
        }
        Assert.Null(MappedLookupTables.TryMap(cut));
        Assert.Null(MappedLookupTables.TryMap(Path.Combine(_dir, "missing.onnx")));
    }


    private const int Rows = 1024, Width = 256; // exactly MappedLookupTables.MinBytes of floats

    /// <summary>ids → Gather(table) → rows; with <paramref name="alsoMatMul"/> the table also feeds a MatMul (graph inputs and outputs left out: the layout reader needs only nodes and initializers).</summary>
    private static string Model(string dir, string name, bool alsoMatMul)
    {
        var raw = new byte[Rows * Width * sizeof(float)];
        new Random(3).NextBytes(raw);
        var graph = new GraphProto { Name = "g" };
        graph.Initializer.Add(new TensorProto { Name = "table", DataType = (int)DataType.Float, Dims = { Rows, Width }, RawData = ByteString.CopyFrom(raw) });
        graph.Node.Add(new NodeProto { OpType = "Gather", Input = { "table", "ids" }, Output = { "rows" } });
        if (alsoMatMul) graph.Node.Add(new NodeProto { OpType = "MatMul", Input = { "x", "table" }, Output = { "product" } });
        var model = new ModelProto { IrVersion = 8, Graph = graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 17 });
        var path = Path.Combine(dir, name);
        File.WriteAllBytes(path, model.ToByteArray());
        return path;
    }

    /// <summary>Resident kB of each of this process's mappings of <paramref name="path"/>, by address range (Linux /proc/self/smaps).</summary>
    private static Dictionary<string, long> MappingsOf(string path)
    {
        var mappings = new Dictionary<string, long>(StringComparer.Ordinal);
        string? range = null;
        foreach (var line in File.ReadLines("/proc/self/smaps"))
        {
            if (char.IsAsciiHexDigit(line[0]) && line.Contains('-')) range = line.EndsWith(path, StringComparison.Ordinal) ? line.Split(' ')[0] : null;
            else if (range is not null && line.StartsWith("Rss:", StringComparison.Ordinal))
                mappings[range] = long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]);
        }
        return mappings;
    }
}
