using Fleet.Shared.Ids;

namespace Fleet.Shared.Cli;

/// <summary>Ids given on a command line: one that is no id of its kind is a usage error (exit 2) with the kind's one line.</summary>
public static class IdArguments
{
    public static T Parse<T>(string text) where T : struct, IFleetId<T> =>
        T.Invalid(text) is { } why ? throw new UsageException(why) : T.Parse(text, null);
}
