using Fleet.Shared.Ids;

namespace Fleet.Shared.Cli;

/// <summary>Ids given on a command line: one that is no id of its kind is a usage error (exit 2) with the kind's one line.</summary>
public static class IdArguments
{
    public static T Parse<T>(string text) where T : struct, IFleetId<T> =>
        T.Invalid(text) is { } why ? throw new UsageException(why) : T.Parse(text, null);

    /// <summary>A command's id argument: the parser reports one that is no id of its kind, in the kind's one line.</summary>
    public static System.CommandLine.Argument<T> Argument<T>(string name, string description) where T : struct, IFleetId<T> =>
        new(name)
        {
            Description = description,
            CustomParser = r =>
            {
                var text = r.Tokens[0].Value;
                if (T.Invalid(text) is not { } why) return T.Parse(text, null);
                r.AddError(why);
                return default;
            },
        };
}
