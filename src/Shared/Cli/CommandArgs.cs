namespace Fleet.Shared.Cli;

/// <summary>Parsed command line: <c>--name value</c> options (repeatable), boolean <c>--flags</c> and positionals.</summary>
public sealed class CommandArgs
{
    private readonly Dictionary<string, List<string>> _options;
    private readonly HashSet<string> _flags;

    private CommandArgs(Dictionary<string, List<string>> options, HashSet<string> flags, List<string> positionals)
    {
        _options = options;
        _flags = flags;
        Positionals = positionals;
    }

    public IReadOnlyList<string> Positionals { get; }

    /// <summary>Parses <paramref name="argv"/>; names in <paramref name="booleanFlags"/> never take a value.</summary>
    public static CommandArgs Parse(IReadOnlyList<string> argv, params string[] booleanFlags)
    {
        var booleans = new HashSet<string>(booleanFlags.Append("json").Append("help"), StringComparer.Ordinal);
        var options = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        var flags = new HashSet<string>(StringComparer.Ordinal);
        var positionals = new List<string>();
        for (var i = 0; i < argv.Count; i++)
        {
            var token = argv[i];
            if (token == "-h") { flags.Add("help"); continue; }
            if (!token.StartsWith("--", StringComparison.Ordinal) || token == "--")
            {
                positionals.Add(token);
                continue;
            }
            var name = token[2..];
            string? inlineValue = null;
            var eq = name.IndexOf('=');
            if (eq >= 0) { inlineValue = name[(eq + 1)..]; name = name[..eq]; }
            if (booleans.Contains(name) && inlineValue is null) { flags.Add(name); continue; }
            var value = inlineValue ?? (i + 1 < argv.Count ? argv[++i] : throw new UsageException($"option --{name} needs a value"));
            if (!options.TryGetValue(name, out var list)) options[name] = list = new List<string>();
            list.Add(value);
        }
        return new CommandArgs(options, flags, positionals);
    }

    public bool Flag(string name) => _flags.Contains(name);

    public string? Get(string name) => _options.TryGetValue(name, out var v) ? v[^1] : null;

    public string Get(string name, string fallback) => Get(name) ?? fallback;

    public string Required(string name) => Get(name) ?? throw new UsageException($"missing required option --{name}");

    public IReadOnlyList<string> GetAll(string name) => _options.TryGetValue(name, out var v) ? v : Array.Empty<string>();

    public int GetInt(string name, int fallback)
    {
        var raw = Get(name);
        if (raw is null) return fallback;
        return int.TryParse(raw, out var n) && n >= 0 ? n : throw new UsageException($"--{name} must be a non-negative integer, got '{raw}'");
    }

    /// <summary>An integer option within [<paramref name="min"/>, <paramref name="max"/>]; <paramref name="unit"/> is named in the error.</summary>
    public int GetInt(string name, int fallback, int min, int max, string? unit = null) =>
        GetInt(name, fallback) is var n && n >= min && n <= max ? n
            : throw new UsageException($"--{name} must be between {min} and {max}{(unit is null ? "" : $" ({unit})")}");

    /// <summary>Options the caller did not expect: reported so a typo never silently does nothing.</summary>
    public void RejectUnknown(params string[] known)
    {
        var allowed = new HashSet<string>(known.Append("json").Append("help"), StringComparer.Ordinal);
        var unknown = _options.Keys.Concat(_flags).FirstOrDefault(k => !allowed.Contains(k));
        if (unknown is not null) throw new UsageException($"unknown option --{unknown}");
    }
}

/// <summary>Bad command-line input: printed as one line, exit code 2.</summary>
public sealed class UsageException(string message) : Exception(message);
