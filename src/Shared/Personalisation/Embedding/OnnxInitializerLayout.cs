using Microsoft.ML.OnnxRuntime.Tensors;

namespace Fleet.Shared.Personalisation.Embedding;

/// <summary>
/// Where an ONNX model's initializers lie in its file, read straight from the protobuf wire format (ModelProto.graph,
/// GraphProto.node and .initializer, TensorProto dims, data_type, name and raw_data) without loading the tensors.
/// </summary>
internal static class OnnxInitializerLayout
{
    /// <summary>A tensor stored inline (raw_data) at <paramref name="Offset"/> in the file.</summary>
    public sealed record Table(string Name, TensorElementType ElementType, long[] Shape, long Offset, long Bytes);

    private const int ModelGraph = 7, GraphNode = 1, GraphInitializer = 5, NodeInput = 1, NodeOpType = 4,
        TensorDims = 1, TensorDataType = 2, TensorName = 8, TensorRawData = 9;
    private const int Varint = 0, Fixed64 = 1, Delimited = 2, Fixed32 = 5;

    /// <summary>Inline tensors of at least <paramref name="minBytes"/> that every node reading them reads as a Gather's table.</summary>
    public static IReadOnlyList<Table> LookupTables(Stream file, long minBytes)
    {
        var reader = new WireReader(file);
        var graph = reader.Fields(0, file.Length).FirstOrDefault(f => f.Number == ModelGraph && f.Wire == Delimited);
        if (graph.Length == 0) return [];
        var readers = new Dictionary<string, bool>(StringComparer.Ordinal); // name -> read only as a Gather's data input
        var tensors = new List<Table>();
        foreach (var f in reader.Fields(graph.Offset, graph.Offset + graph.Length))
        {
            if (f.Wire != Delimited) continue;
            if (f.Number == GraphNode) Node(reader, f, readers);
            else if (f.Number == GraphInitializer && Tensor(reader, f, minBytes) is { } t) tensors.Add(t);
        }
        return tensors.Where(t => readers.GetValueOrDefault(t.Name)).ToList();
    }

    private static void Node(WireReader reader, WireReader.Field node, Dictionary<string, bool> readers)
    {
        string? op = null;
        var inputs = new List<string>();
        foreach (var f in reader.Fields(node.Offset, node.Offset + node.Length))
        {
            if (f.Wire != Delimited) continue;
            if (f.Number == NodeOpType) op = reader.Utf8(f);
            else if (f.Number == NodeInput) inputs.Add(reader.Utf8(f));
        }
        for (var i = 0; i < inputs.Count; i++)
            readers[inputs[i]] = readers.GetValueOrDefault(inputs[i], true) && op == "Gather" && i == 0;
    }

    private static Table? Tensor(WireReader reader, WireReader.Field tensor, long minBytes)
    {
        string? name = null;
        var dims = new List<long>();
        var type = 0L;
        WireReader.Field? raw = null;
        foreach (var f in reader.Fields(tensor.Offset, tensor.Offset + tensor.Length))
        {
            switch (f.Number, f.Wire)
            {
                case (TensorDims, Varint): dims.Add(f.Value); break;
                case (TensorDims, Delimited): dims.AddRange(reader.PackedVarints(f)); break;
                case (TensorDataType, Varint): type = f.Value; break;
                case (TensorName, Delimited): name = reader.Utf8(f); break;
                case (TensorRawData, Delimited): raw = f; break;
            }
        }
        if (name is null || raw is not { } r || r.Length < minBytes || ElementOf(type) is not { } kind) return null;
        var (element, size) = kind;
        // Only a tensor whose bytes are exactly its shape, aligned for its element, is handed over as it lies.
        if (dims.Any(d => d < 0) || r.Offset % size != 0) return null;
        try
        {
            if (checked(dims.Aggregate(1L, (a, d) => checked(a * d)) * size) != r.Length) return null;
        }
        catch (OverflowException) { return null; }
        return new Table(name, element, dims.ToArray(), r.Offset, r.Length);
    }

    // TensorProto.DataType: FLOAT 1, UINT8 2, INT8 3, FLOAT16 10; tables of other types are left to ONNX Runtime.
    private static (TensorElementType, int)? ElementOf(long type) => type switch
    {
        1 => (TensorElementType.Float, 4),
        2 => (TensorElementType.UInt8, 1),
        3 => (TensorElementType.Int8, 1),
        10 => (TensorElementType.Float16, 2),
        _ => null,
    };

    /// <summary>
    /// Protobuf fields read from a seekable stream, payloads skipped unless asked for; a malformed length or wire type ends
    /// the walk with <see cref="InvalidDataException"/>.
    /// </summary>
    private sealed class WireReader(Stream file)
    {
        private readonly long _length = file.Length;

        /// <summary>One field: <see cref="Value"/> for a varint; <see cref="Offset"/> and <see cref="Length"/> of a delimited payload.</summary>
        public readonly record struct Field(int Number, int Wire, long Value, long Offset, long Length);

        public IEnumerable<Field> Fields(long from, long to)
        {
            if (to > _length) throw new InvalidDataException("field runs past the end of the file");
            var at = from;
            while (at < to)
            {
                file.Position = at; // the caller may have read a payload since the last field
                var tag = ReadVarint(ref at);
                var (number, wire) = ((int)(tag >> 3), (int)(tag & 7));
                switch (wire)
                {
                    case Varint:
                        yield return new Field(number, wire, ReadVarint(ref at), 0, 0);
                        break;
                    case Delimited:
                        var size = ReadVarint(ref at);
                        if (size < 0 || at + size > to) throw new InvalidDataException("field runs past its message");
                        yield return new Field(number, wire, 0, at, size);
                        at += size;
                        break;
                    case Fixed64: at += 8; break;
                    case Fixed32: at += 4; break;
                    default: throw new InvalidDataException($"wire type {wire} at byte {at}");
                }
            }
        }

        public IEnumerable<long> PackedVarints(Field f)
        {
            var values = new List<long>();
            file.Position = f.Offset;
            for (var at = f.Offset; at < f.Offset + f.Length;) values.Add(ReadVarint(ref at));
            return values;
        }

        public string Utf8(Field f)
        {
            var bytes = new byte[f.Length];
            file.Position = f.Offset;
            file.ReadExactly(bytes);
            return System.Text.Encoding.UTF8.GetString(bytes);
        }

        private long ReadVarint(ref long at)
        {
            long value = 0;
            for (var shift = 0; shift < 64; shift += 7)
            {
                if (at >= _length) throw new InvalidDataException("varint runs past the end of the file");
                var b = file.ReadByte();
                at++;
                value |= (long)(b & 0x7f) << shift;
                if (b < 0x80) return value;
            }
            throw new InvalidDataException("varint longer than 10 bytes");
        }
    }
}
