using System.Reflection;

namespace Fleet.Shared.Ids;

/// <summary>What every <see cref="IFleetId{TSelf}"/> shares: parsing through its one grammar, and asking it by type.</summary>
public static class FleetIds
{
    /// <summary>The id, or a <see cref="FormatException"/> whose message is the kind's one-line refusal.</summary>
    public static T Parse<T>(string? text) where T : struct, IFleetId<T> =>
        T.Invalid(text) is { } why ? throw new FormatException(why) : T.Parse(text!, null);

    /// <summary>
    /// Why <paramref name="text"/> is no id of <paramref name="type"/> (an id kind, or a nullable one), or null when it
    /// is one or <paramref name="type"/> is no id kind; for places that meet a parameter's type only at run time.
    /// </summary>
    public static string? Invalid(Type type, string? text) =>
        IsIdKind(type) ? (string?)InvalidOfMethod.MakeGenericMethod(Nullable.GetUnderlyingType(type) ?? type).Invoke(null, [text]) : null;

    /// <summary>Whether <paramref name="type"/> (or the type a nullable wraps) is an id kind.</summary>
    public static bool IsIdKind(Type type)
    {
        var kind = Nullable.GetUnderlyingType(type) ?? type;
        return kind.IsValueType && kind.GetInterfaces().Any(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IFleetId<>));
    }

    private static readonly MethodInfo InvalidOfMethod = typeof(FleetIds).GetMethod(nameof(InvalidOf), BindingFlags.NonPublic | BindingFlags.Static)!;

    private static string? InvalidOf<T>(string? text) where T : struct, IFleetId<T> => T.Invalid(text);
}
