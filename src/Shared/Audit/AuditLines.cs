using System.Text;

namespace Fleet.Shared.Audit;

/// <summary>Reads the log's lines up to a byte limit, marking a final line that has no newline (a torn write).</summary>
internal static class AuditLines
{
    public readonly record struct Line(long Number, string Text, bool Complete);

    public static IEnumerable<Line> Read(string path, long limit)
    {
        if (!File.Exists(path)) yield break;
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        var pending = new MemoryStream();
        var buffer = new byte[65536];
        long number = 0, left = Math.Min(limit, file.Length);
        while (left > 0)
        {
            var read = file.Read(buffer, 0, (int)Math.Min(buffer.Length, left));
            if (read == 0) break;
            left -= read;
            var start = 0;
            for (var i = 0; i < read; i++)
            {
                if (buffer[i] != (byte)'\n') continue;
                pending.Write(buffer, start, i - start);
                yield return new Line(++number, Encoding.UTF8.GetString(pending.GetBuffer(), 0, (int)pending.Length), true);
                pending.SetLength(0);
                start = i + 1;
            }
            pending.Write(buffer, start, read - start);
        }
        if (pending.Length > 0)
            yield return new Line(++number, Encoding.UTF8.GetString(pending.GetBuffer(), 0, (int)pending.Length), false);
    }

    /// <summary>Byte length up to and including the last newline, so a torn tail can be cut off before appending.</summary>
    public static long CompleteLength(FileStream file)
    {
        var buffer = new byte[4096];
        var end = file.Length;
        while (end > 0)
        {
            var start = Math.Max(0, end - buffer.Length);
            file.Position = start;
            file.ReadExactly(buffer, 0, (int)(end - start));
            for (var i = (int)(end - start) - 1; i >= 0; i--)
                if (buffer[i] == (byte)'\n') return start + i + 1;
            end = start;
        }
        return 0;
    }

    /// <summary>The last complete line ending at <paramref name="length"/>, or null for an empty log.</summary>
    public static string? LastLine(FileStream file, long length)
    {
        if (length == 0) return null;
        var end = length - 1; // skip the final newline
        var chunks = new List<byte[]>();
        var buffer = new byte[4096];
        while (end > 0)
        {
            var start = Math.Max(0, end - buffer.Length);
            file.Position = start;
            var count = (int)(end - start);
            file.ReadExactly(buffer, 0, count);
            var nl = Array.LastIndexOf(buffer, (byte)'\n', count - 1, count);
            chunks.Insert(0, buffer[(nl + 1)..count]);
            if (nl >= 0) break;
            end = start;
        }
        return Encoding.UTF8.GetString(chunks.SelectMany(c => c).ToArray());
    }
}
