using System.Text.Json;
using System.Text.Json.Serialization;

namespace Fleet.Shared.Privacy;

/// <summary>
/// Personal data (a raw user id, a phone number, free text) held on the device. It has no wire or storage form:
/// the Hyperion allow-list refuses the type, and any JSON serialization of it (persisted events, HTTP, files) throws.
/// Use <see cref="Reveal"/> only to hash or display locally.
/// </summary>
[JsonConverter(typeof(PiiJsonConverterFactory))]
public sealed class Pii<T>(T value)
{
    private readonly T _value = value;

    /// <summary>The raw value, for local use only (hashing, on-screen slot filling).</summary>
    public T Reveal() => _value;

    public override string ToString() => "[pii]";
}

/// <summary>Thrown whenever something tries to serialize <see cref="Pii{T}"/>.</summary>
public sealed class PiiSerializationException(Type type)
    : InvalidOperationException($"{type.Name} holds personal data and must never be serialized (hash it on the device instead)");

/// <summary>Makes every System.Text.Json write or read of a <see cref="Pii{T}"/> fail.</summary>
public sealed class PiiJsonConverterFactory : JsonConverterFactory
{
    public override bool CanConvert(Type t) => t.IsGenericType && t.GetGenericTypeDefinition() == typeof(Pii<>);

    public override JsonConverter CreateConverter(Type t, JsonSerializerOptions options) =>
        (JsonConverter)Activator.CreateInstance(typeof(Refusing<>).MakeGenericType(t.GetGenericArguments()[0]))!;

    private sealed class Refusing<T> : JsonConverter<Pii<T>>
    {
        public override Pii<T> Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            throw new PiiSerializationException(typeToConvert);

        public override void Write(Utf8JsonWriter writer, Pii<T> value, JsonSerializerOptions options) =>
            throw new PiiSerializationException(typeof(Pii<T>));
    }
}
