using System.IO.MemoryMappedFiles;
using Microsoft.ML.OnnxRuntime;
using SessionOptions = Microsoft.ML.OnnxRuntime.SessionOptions;

namespace Fleet.Shared.Personalisation.Embedding;

/// <summary>
/// A model's lookup tables (large initializers that only <c>Gather</c> reads: the word embeddings, 45 MB of the 87 MB
/// fp32 MiniLM) handed to ONNX Runtime as views of the model file mapped read-only, instead of copies on the heap. A
/// sentence reads a few dozen rows, so only those pages become resident; the rest stays on disk. Weights that a MatMul
/// reads are left to ONNX Runtime: it packs them into its own layout and reads all of them anyway.
/// The file must not change in place while mapped: the model store writes a new file and renames it over the old one.
/// </summary>
public sealed class MappedLookupTables : IDisposable
{
    /// <summary>Smaller tables are not worth a mapping: at most a few pages would stay off the heap.</summary>
    public const long MinBytes = 1 << 20;

    private readonly MemoryMappedFile _file;
    private readonly List<MemoryMappedViewAccessor> _views = [];
    private readonly List<OrtValue> _values = [];

    /// <summary>The tables handed over, by initializer name.</summary>
    public IReadOnlyList<string> Names { get; }

    private MappedLookupTables(MemoryMappedFile file, IReadOnlyList<OnnxInitializerLayout.Table> tables)
    {
        _file = file;
        Names = tables.Select(t => t.Name).ToList();
        try
        {
            foreach (var t in tables)
            {
                // One view per table: the file's other pages are never mapped, so nothing else of it becomes resident.
                // A view outlives the tensor over its address: Dispose releases the tensors first.
                var view = file.CreateViewAccessor(t.Offset, t.Bytes, MemoryMappedFileAccess.Read);
                _views.Add(view);
                var start = view.SafeMemoryMappedViewHandle.DangerousGetHandle() + (nint)view.PointerOffset;
                _values.Add(OrtValue.CreateTensorValueWithData(OrtMemoryInfo.DefaultInstance, t.ElementType, t.Shape, start, t.Bytes));
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>
    /// The lookup tables of the model at <paramref name="modelPath"/>, mapped; null when it has none worth mapping (or its
    /// layout is not one this reader knows: ONNX Runtime then loads everything itself, as before).
    /// </summary>
    public static MappedLookupTables? TryMap(string modelPath)
    {
        FileStream? stream = null;
        MemoryMappedFile? file = null;
        try
        {
            // The layout is read and the file mapped through one handle, so the offsets are those of the mapped file.
            stream = new FileStream(modelPath, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 16 * 1024);
            if (stream.Length < MinBytes) return null;
            var tables = OnnxInitializerLayout.LookupTables(stream, MinBytes);
            if (tables.Count == 0) return null;
            file = MemoryMappedFile.CreateFromFile(stream, null, 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: false);
            stream = null; // the mapping owns it now
            var mapped = new MappedLookupTables(file, tables);
            file = null;
            return mapped;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException or ArgumentException or OnnxRuntimeException)
        {
            return null;
        }
        finally
        {
            file?.Dispose();
            stream?.Dispose();
        }
    }

    /// <summary>Has the session built with <paramref name="options"/> read these tables from the mapping.</summary>
    public void AddTo(SessionOptions options)
    {
        for (var i = 0; i < Names.Count; i++) options.AddInitializer(Names[i], _values[i]);
    }

    /// <summary>Only after the session that reads the tables is disposed.</summary>
    public void Dispose()
    {
        foreach (var v in _values) v.Dispose();
        _values.Clear();
        foreach (var view in _views) view.Dispose();
        _views.Clear();
        _file.Dispose();
    }
}
