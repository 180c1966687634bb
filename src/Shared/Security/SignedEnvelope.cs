using System.Text;
using System.Text.Json;

namespace Fleet.Shared.Security;

/// <summary>A detached-payload signature on the wire: <c>{kid, alg, payload, signature}</c>, both blobs base64, signed over the exact payload bytes.</summary>
public sealed record SignedEnvelope(string Kid, string Alg, string Payload, string Signature)
{
    public const string Es256 = "ES256";

    private static readonly string[] Fields = ["kid", "alg", "payload", "signature"];

    /// <summary>The compact UTF-8 JSON form that is stored and served.</summary>
    public byte[] ToJsonBytes()
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("kid", Kid);
            w.WriteString("alg", Alg);
            w.WriteString("payload", Payload);
            w.WriteString("signature", Signature);
            w.WriteEndObject();
        }
        return buffer.ToArray();
    }

    public string ToJson() => Encoding.UTF8.GetString(ToJsonBytes());

    /// <summary>
    /// Strict parse: exactly the four string fields, case-sensitive, no extras, canonical base64.
    /// Strictness means any altered byte of the envelope is refused rather than silently normalised.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> json, out SignedEnvelope? envelope, out string error)
    {
        envelope = null;
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        try
        {
            var reader = new Utf8JsonReader(json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) { error = "envelope is not a JSON object"; return false; }
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var name = reader.GetString()!;
                if (Array.IndexOf(Fields, name) < 0) { error = $"unexpected envelope field '{name}'"; return false; }
                if (!reader.Read() || reader.TokenType != JsonTokenType.String) { error = $"envelope field '{name}' must be a string"; return false; }
                if (!values.TryAdd(name, reader.GetString()!)) { error = $"duplicate envelope field '{name}'"; return false; }
            }
            if (reader.TokenType != JsonTokenType.EndObject || reader.Read()) { error = "trailing data after the envelope"; return false; }
        }
        catch (JsonException e)
        {
            error = "envelope is not valid JSON: " + e.Message;
            return false;
        }
        foreach (var f in Fields)
            if (!values.ContainsKey(f)) { error = $"envelope field '{f}' is missing"; return false; }
        var candidate = new SignedEnvelope(values["kid"], values["alg"], values["payload"], values["signature"]);
        if (candidate.TryDecodePayload() is null) { error = "payload is not canonical base64"; return false; }
        if (candidate.TryDecodeSignature() is null) { error = "signature is not canonical base64"; return false; }
        envelope = candidate;
        error = "";
        return true;
    }

    public byte[]? TryDecodePayload() => DecodeCanonical(Payload);

    public byte[]? TryDecodeSignature() => DecodeCanonical(Signature);

    // .NET accepts base64 with stray padding bits; re-encoding and comparing rejects those variants.
    private static byte[]? DecodeCanonical(string text)
    {
        try
        {
            var bytes = Convert.FromBase64String(text);
            return Convert.ToBase64String(bytes) == text ? bytes : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
