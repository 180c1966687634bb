using Fleet.Shared.Personalisation;
using Fleet.Shared.Rendering;

namespace Fleet.Edge.Personalisation.Bandit;

/// <summary>
/// The context bucket the bandit learns in: <c>daypart|weather|language|store</c>, e.g. <c>morning|sun|en|harbour</c>.
/// Only coarse place-and-time signals, never anything about the viewer (no user id, interests or fields), so a bucket is
/// shared by everyone who passes the screen at that time and the key is safe to upload as the fleet prior's row key.
/// Each part is lower-case <c>[a-z0-9-]</c>, at most 24 characters; a missing one is <c>-</c>.
/// </summary>
public static class ContextBucket
{
    public const string Any = "-";

    /// <param name="localNow">The device's local time, for the daypart when the context gives none.</param>
    public static string Of(RenderContext context, DateTimeOffset localNow) => string.Join('|',
        Part(context.Daypart ?? ContextSentence.Daypart(localNow)),
        Part(context.Weather),
        Part(context.Locale?.Split('-', '_')[0]),
        Part(context.Store));

    private static string Part(string? value)
    {
        if (string.IsNullOrWhiteSpace(value)) return Any;
        var chars = value.Trim().ToLowerInvariant().Select(c => c is >= 'a' and <= 'z' or >= '0' and <= '9' ? c : '-').Take(24).ToArray();
        return new string(chars);
    }
}
