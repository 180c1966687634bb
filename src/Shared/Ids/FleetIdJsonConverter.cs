using System.Text.Json;
using System.Text.Json.Serialization;

namespace Fleet.Shared.Ids;

/// <summary>
/// An id is its plain string in JSON, as a value and as a dictionary key, so a typed field leaves every JSON shape
/// byte for byte as it was; text that is no id of the kind is a <see cref="JsonException"/> with the kind's refusal.
/// </summary>
public sealed class FleetIdJsonConverter<T> : JsonConverter<T> where T : struct, IFleetId<T>
{
    public override T Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.TokenType == JsonTokenType.String ? From(reader.GetString()) : throw new JsonException($"expected a string, got {reader.TokenType}");

    public override void Write(Utf8JsonWriter writer, T value, JsonSerializerOptions options) => writer.WriteStringValue(value.Value);

    public override T ReadAsPropertyName(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => From(reader.GetString());

    public override void WriteAsPropertyName(Utf8JsonWriter writer, T value, JsonSerializerOptions options) => writer.WritePropertyName(value.Value);

    private static T From(string? text) => T.Invalid(text) is { } why ? throw new JsonException(why) : T.Parse(text!, null);
}
