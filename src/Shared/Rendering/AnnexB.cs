namespace Fleet.Shared.Rendering;

/// <summary>Minimal H.264 Annex B scanning: split a raw stream into NAL units to find its parameter sets and slices.</summary>
internal static class AnnexB
{
    public const int NonIdrSlice = 1;
    public const int IdrSlice = 5;
    public const int Sps = 7;
    public const int Pps = 8;

    /// <summary>NAL units as (type, start of its start code, end) over <paramref name="data"/>.</summary>
    public static List<(int Type, int Start, int End)> Units(ReadOnlySpan<byte> data)
    {
        var starts = new List<(int CodeStart, int Payload)>();
        for (var i = 0; i + 3 <= data.Length; i++)
        {
            if (data[i] != 0 || data[i + 1] != 0 || data[i + 2] != 1) continue;
            var codeStart = i > 0 && data[i - 1] == 0 ? i - 1 : i;
            starts.Add((codeStart, i + 3));
            i += 2;
        }
        var units = new List<(int, int, int)>();
        for (var k = 0; k < starts.Count; k++)
        {
            var end = k + 1 < starts.Count ? starts[k + 1].CodeStart : data.Length;
            if (starts[k].Payload < data.Length) units.Add((data[starts[k].Payload] & 0x1f, starts[k].CodeStart, end));
        }
        return units;
    }

    /// <summary>The bytes from the first non-IDR slice on: the P-frames of a GOP, without its parameter sets and IDR.</summary>
    public static byte[] AfterFirstIdr(byte[] gop)
    {
        var first = Units(gop).FirstOrDefault(u => u.Type == NonIdrSlice);
        return first == default ? Array.Empty<byte>() : gop[first.Start..];
    }

    /// <summary>SPS and PPS payloads, concatenated, to compare two encodes' stream parameters.</summary>
    public static byte[] ParameterSets(byte[] stream) =>
        Units(stream).Where(u => u.Type is Sps or Pps).SelectMany(u => stream[u.Start..u.End].SkipWhile(b => b == 0)).ToArray();
}
