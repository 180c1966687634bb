using System.Buffers.Binary;
using Fleet.Shared.Cli;

namespace Fleet.Shared.Speech;

/// <summary>Reads PCM WAV headers for an exact duration without ffprobe, and trims a WAV in place of a slow re-encode.</summary>
public static class WavFile
{
    /// <summary>Format and data layout of a PCM WAV.</summary>
    public sealed record Info(int SampleRate, int Channels, int BitsPerSample, long DataOffset, long DataBytes)
    {
        public int BlockAlign => Channels * BitsPerSample / 8;
        public double DurationSeconds => BlockAlign == 0 ? 0 : (double)(DataBytes / BlockAlign) / SampleRate;
    }

    public static Info Read(string path)
    {
        using var f = File.OpenRead(path);
        Span<byte> head = stackalloc byte[12];
        if (f.Read(head) != 12 || !head[..4].SequenceEqual("RIFF"u8) || !head[8..12].SequenceEqual("WAVE"u8))
            throw new FleetException($"{Path.GetFileName(path)}: not a WAV file");
        int rate = 0, channels = 0, bits = 0;
        Span<byte> chunk = stackalloc byte[8];
        Span<byte> fmt = stackalloc byte[16];
        while (f.Read(chunk) == 8)
        {
            var size = BinaryPrimitives.ReadUInt32LittleEndian(chunk[4..]);
            if (chunk[..4].SequenceEqual("fmt "u8))
            {
                if (f.Read(fmt) != 16) break;
                channels = BinaryPrimitives.ReadUInt16LittleEndian(fmt[2..]);
                rate = BinaryPrimitives.ReadInt32LittleEndian(fmt[4..]);
                bits = BinaryPrimitives.ReadUInt16LittleEndian(fmt[14..]);
                f.Seek(size - 16 + (size & 1), SeekOrigin.Current);
            }
            else if (chunk[..4].SequenceEqual("data"u8))
            {
                // A streaming writer may leave the size unset; the rest of the file is then the data.
                var available = f.Length - f.Position;
                var bytes = size == 0 || size > available ? available : size;
                if (rate <= 0 || channels <= 0 || bits <= 0) break;
                return new Info(rate, channels, bits, f.Position, bytes);
            }
            else f.Seek(size + (size & 1), SeekOrigin.Current);
        }
        throw new FleetException($"{Path.GetFileName(path)}: WAV without fmt/data chunks");
    }

    /// <summary>Writes the first <paramref name="maxSeconds"/> of <paramref name="source"/> to <paramref name="target"/> with a short fade-out.</summary>
    public static void Trim(string source, string target, double maxSeconds)
    {
        var info = Read(source);
        if (info.BitsPerSample != 16) throw new FleetException($"{Path.GetFileName(source)}: only 16-bit PCM can be trimmed");
        var frames = (long)Math.Floor(maxSeconds * info.SampleRate);
        var bytes = (int)Math.Min(info.DataBytes, frames * info.BlockAlign);
        var pcm = new byte[bytes];
        using (var f = File.OpenRead(source))
        {
            f.Seek(info.DataOffset, SeekOrigin.Begin);
            f.ReadExactly(pcm);
        }
        // 30 ms linear fade so the cut does not click.
        var fadeFrames = Math.Min(bytes / info.BlockAlign, info.SampleRate * 30 / 1000);
        var first = bytes / info.BlockAlign - fadeFrames;
        for (var i = 0; i < fadeFrames; i++)
        for (var c = 0; c < info.Channels; c++)
        {
            var at = ((first + i) * info.Channels + c) * 2;
            var sample = BinaryPrimitives.ReadInt16LittleEndian(pcm.AsSpan(at));
            BinaryPrimitives.WriteInt16LittleEndian(pcm.AsSpan(at), (short)(sample * (fadeFrames - i) / fadeFrames));
        }
        using var o = File.Create(target);
        Span<byte> header = stackalloc byte[44];
        "RIFF"u8.CopyTo(header);
        BinaryPrimitives.WriteUInt32LittleEndian(header[4..], (uint)(36 + bytes));
        "WAVEfmt "u8.CopyTo(header[8..]);
        BinaryPrimitives.WriteUInt32LittleEndian(header[16..], 16);
        BinaryPrimitives.WriteUInt16LittleEndian(header[20..], 1);
        BinaryPrimitives.WriteUInt16LittleEndian(header[22..], (ushort)info.Channels);
        BinaryPrimitives.WriteInt32LittleEndian(header[24..], info.SampleRate);
        BinaryPrimitives.WriteInt32LittleEndian(header[28..], info.SampleRate * info.BlockAlign);
        BinaryPrimitives.WriteUInt16LittleEndian(header[32..], (ushort)info.BlockAlign);
        BinaryPrimitives.WriteUInt16LittleEndian(header[34..], 16);
        "data"u8.CopyTo(header[36..]);
        BinaryPrimitives.WriteUInt32LittleEndian(header[40..], (uint)bytes);
        o.Write(header);
        o.Write(pcm);
    }
}
