using System.IO.Compression;
using System.Text.Json;
using Fleet.Shared.Serialization;

namespace Fleet.Shared.Telemetry;

/// <summary>
/// The wire form of an aggregate inside a batch: Brotli-compressed Fleet JSON. An object graph through Hyperion
/// spends most of its bytes on type names; this is ~10x smaller and decodes into exactly the schema, nothing else.
/// </summary>
public static class AggregateCodec
{
    public const int MaxDecodedBytes = 1 << 20;

    public static byte[] Encode(TelemetryAggregate a)
    {
        var json = JsonSerializer.SerializeToUtf8Bytes(a, FleetJson.Options);
        using var output = new MemoryStream();
        using (var brotli = new BrotliStream(output, CompressionLevel.Optimal)) brotli.Write(json);
        return output.ToArray();
    }

    /// <summary>Null when the bytes are not a compressed aggregate (or decode to more than 1 MiB).</summary>
    public static TelemetryAggregate? TryDecode(byte[] body)
    {
        try
        {
            using var input = new BrotliStream(new MemoryStream(body), CompressionMode.Decompress);
            using var json = new MemoryStream();
            var buffer = new byte[16384];
            int read;
            while ((read = input.Read(buffer)) > 0)
            {
                json.Write(buffer, 0, read);
                if (json.Length > MaxDecodedBytes) return null;
            }
            var a = JsonSerializer.Deserialize<TelemetryAggregate>(json.ToArray(), FleetJson.Options);
            return a?.Groups is null || a.Groups.Any(g => g is null || g.Variants is null || g.RenderMs?.Buckets is null || g.Fallbacks is null
                || g.Encoders is null || g.StageMsSum is null || g.Arms?.Any(x => x?.Arm is null) == true || g.CampaignId is null || g.CampaignVersion is null || g.ModelVersion is null || g.TemplateId is null)
                ? null : a;
        }
        catch (Exception e) when (e is JsonException or InvalidDataException or IOException or NotSupportedException or InvalidOperationException)
        {
            return null;
        }
    }
}
