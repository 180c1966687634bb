using System.CommandLine;
using System.CommandLine.Parsing;

namespace Fleet.Shared.Cli;

/// <summary>
/// Option declarations with Fleet's conventions: a scalar given twice takes the last value (a unit file or Dockerfile
/// appends overrides to its own flags), and a bad integer is reported in the same words by every program.
/// </summary>
public static class CliOption
{
    public static Option<string?> Text(string name, string description, string? helpName = null) =>
        new(name) { Description = description, HelpName = helpName, Arity = ArgumentArity.OneOrMore, CustomParser = Last };

    public static Option<string> Text(string name, string fallback, string description, string? helpName = null) =>
        new(name) { Description = description, HelpName = helpName, Arity = ArgumentArity.OneOrMore, CustomParser = r => Last(r) ?? fallback, DefaultValueFactory = _ => fallback };

    /// <summary>A repeatable option (<c>--gateway A --gateway B</c>): every value, in order.</summary>
    public static Option<string[]> Many(string name, string description, string? helpName = null) =>
        new(name) { Description = description, HelpName = helpName, DefaultValueFactory = _ => [] };

    public static Option<bool> Flag(string name, string description) => new(name) { Description = description };

    /// <summary>An integer within [<paramref name="min"/>, <paramref name="max"/>]; <paramref name="unit"/> is named in the error.</summary>
    public static Option<int> Int(string name, int fallback, string description, int min = 0, int max = int.MaxValue, string? unit = null) =>
        new(name)
        {
            Description = description, HelpName = "N", Arity = ArgumentArity.OneOrMore, DefaultValueFactory = _ => fallback,
            CustomParser = r => r.Tokens.Count == 0 ? fallback : ParseInt(r, name, min, max, unit) ?? fallback,
        };

    /// <summary>An integer option that is off (null) unless given.</summary>
    public static Option<int?> OptionalInt(string name, string description, int min = 0, int max = int.MaxValue, string? unit = null) =>
        new(name) { Description = description, HelpName = "N", Arity = ArgumentArity.OneOrMore, CustomParser = r => r.Tokens.Count == 0 ? null : ParseInt(r, name, min, max, unit) };

    private static string? Last(ArgumentResult r) => r.Tokens.Count == 0 ? null : r.Tokens[^1].Value;

    private static int? ParseInt(ArgumentResult r, string name, int min, int max, string? unit)
    {
        var raw = r.Tokens[^1].Value;
        if (!int.TryParse(raw, out var n) || n < 0) { r.AddError($"{name} must be a non-negative integer, got '{raw}'"); return null; }
        if (n < min || n > max)
        {
            r.AddError(max == int.MaxValue ? $"{name} must be at least {min}" : $"{name} must be between {min} and {max}{(unit is null ? "" : $" ({unit})")}");
            return null;
        }
        return n;
    }
}
