using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.RegularExpressions;
using Fleet.Shared.Cli;
using Json.Schema;

namespace Fleet.Shared.Serialization;

/// <summary>Reads a JSON file against one of the embedded schemas and turns the first violation into one readable line.</summary>
public static partial class SchemaCheckedJson
{
    // Lazy per name: building a schema registers its $id globally, so it must happen exactly once.
    private static readonly ConcurrentDictionary<string, Lazy<JsonSchema>> Schemas = new();

    /// <summary>Parses, validates and deserialises <paramref name="path"/>; errors name the file and the offending field.</summary>
    public static T Load<T>(string path, string schemaName)
    {
        var label = Path.GetFileName(path);
        string text;
        try { text = File.ReadAllText(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new FleetException($"{label}: cannot read ({e.Message})", e);
        }
        return Parse<T>(text, label, schemaName);
    }

    /// <summary>Same as <see cref="Load{T}"/> for text already in memory; <paramref name="label"/> prefixes every error.</summary>
    public static T Parse<T>(string text, string label, string schemaName)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(text, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = false });
        }
        catch (JsonException e)
        {
            throw new FleetException($"{label}: malformed JSON at line {(e.LineNumber ?? 0) + 1}, position {(e.BytePositionInLine ?? 0) + 1}", e);
        }
        using (doc)
        {
            var results = SchemaFor(schemaName).Evaluate(doc.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List });
            if (!results.IsValid) throw new FleetException($"{label}: {FirstError(results)}");
            try
            {
                return doc.RootElement.Deserialize<T>(FleetJson.Options) ?? throw new FleetException($"{label}: empty document");
            }
            catch (JsonException e)
            {
                throw new FleetException($"{label}: {e.Path}: {e.Message}", e);
            }
        }
    }

    internal static JsonSchema SchemaFor(string name) => Schemas.GetOrAdd(name, n => new Lazy<JsonSchema>(() => Build(n))).Value;

    private static JsonSchema Build(string n)
    {
        using var stream = typeof(SchemaCheckedJson).Assembly.GetManifestResourceStream($"Fleet.Shared.Schemas.{n}")
            ?? throw new InvalidOperationException($"schema resource {n} is not embedded");
        using var reader = new StreamReader(stream);
        return JsonSchema.FromText(reader.ReadToEnd());
    }

    // "if" branches fail by design and are not errors. The deepest failing location is the most specific one; "allOf"/"$ref" wrappers only repeat it.
    private static string FirstError(EvaluationResults results)
    {
        var failing = (results.Details ?? new List<EvaluationResults>()).Prepend(results)
            .Where(d => d.Errors is { Count: > 0 } && !d.EvaluationPath.ToString().Contains("/if", StringComparison.Ordinal))
            .OrderByDescending(d => d.InstanceLocation.ToString().Length)
            .FirstOrDefault();
        if (failing is null) return "does not match the schema";
        var location = failing.InstanceLocation.ToString();
        var first = failing.Errors!.First();
        var (keyword, message) = (first.Key, first.Value);
        return $"{(location.Length == 0 ? "/" : location)}: {Describe(keyword, message)}";
    }

    private static string Describe(string keyword, string message)
    {
        // Messages read "<value> should be at least <limit>": the limit is the last number.
        var number = NumberPattern().Matches(message).LastOrDefault() ?? Match.Empty;
        return keyword switch
        {
            "minimum" when number.Success => $"must be >= {number.Value}",
            "maximum" when number.Success => $"must be <= {number.Value}",
            "required" => message.Replace("Required properties", "missing required field(s)", StringComparison.Ordinal),
            // additionalProperties: false reports at the extra property itself, as a failure of the "false" schema.
            "additionalProperties" or "false" => "unknown field",
            _ when message.Contains("false schema", StringComparison.Ordinal) => "unknown field",
            "type" => message.ToLowerInvariant(),
            _ => message,
        };
    }

    [GeneratedRegex(@"-?\d+(\.\d+)?")]
    private static partial Regex NumberPattern();
}
