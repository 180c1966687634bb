using System.Text.Json;
using System.Text.Json.Serialization;

namespace Fleet.Shared.Serialization;

/// <summary>The one JSON shape Fleet speaks everywhere (files, HTTP, persisted events): snake_case, enums as strings.</summary>
public static class FleetJson
{
    public static readonly JsonSerializerOptions Options = Create(indented: false);
    public static readonly JsonSerializerOptions Indented = Create(indented: true);

    /// <summary>An enum value as Fleet's JSON writes it (<c>RollingBack</c> → <c>rolling-back</c>), for tables and log lines too.</summary>
    public static string Name(Enum value) => JsonNamingPolicy.KebabCaseLower.ConvertName(value.ToString());

    private static JsonSerializerOptions Create(bool indented)
    {
        var o = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
            DictionaryKeyPolicy = null,
            WriteIndented = indented,
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
            Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        };
        o.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower));
        o.MakeReadOnly(populateMissingResolver: true);
        return o;
    }
}
