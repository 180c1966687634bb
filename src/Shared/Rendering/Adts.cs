namespace Fleet.Shared.Rendering;

/// <summary>
/// Minimal AAC ADTS framing: every frame starts with a 7-byte header that carries its own length, so a track can be cut
/// and spliced on frame boundaries without a container (the audio counterpart of <see cref="AnnexB"/>).
/// </summary>
internal static class Adts
{
    /// <summary>Samples per channel in one AAC-LC frame; also the encoder's priming delay.</summary>
    public const int FrameSamples = 1024;

    /// <summary>Byte offset where frame <paramref name="frame"/> starts (the length when the data has fewer frames).</summary>
    public static int OffsetOfFrame(ReadOnlySpan<byte> data, int frame)
    {
        var offset = 0;
        for (var i = 0; i < frame && offset < data.Length; i++)
        {
            if (data.Length - offset < 7 || data[offset] != 0xFF || (data[offset + 1] & 0xF0) != 0xF0)
                throw new InvalidDataException($"not an ADTS frame at byte {offset}");
            var length = ((data[offset + 3] & 0x03) << 11) | (data[offset + 4] << 3) | (data[offset + 5] >> 5);
            if (length < 7) throw new InvalidDataException($"ADTS frame of length {length} at byte {offset}");
            offset += length;
        }
        return Math.Min(offset, data.Length);
    }

    /// <summary>Number of frames in <paramref name="data"/>.</summary>
    public static int CountFrames(ReadOnlySpan<byte> data)
    {
        var n = 0;
        for (var offset = 0; offset < data.Length; n++) offset += OffsetOfFrame(data[offset..], 1);
        return n;
    }
}
