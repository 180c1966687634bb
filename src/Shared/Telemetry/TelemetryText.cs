using System.Text.RegularExpressions;

namespace Fleet.Shared.Telemetry;

/// <summary>
/// Every string that goes into an aggregate must look like an identifier; anything else (free text, an e-mail, a
/// phone number smuggled into an id field) becomes <see cref="Invalid"/> so it can never leave the device.
/// </summary>
public static partial class TelemetryText
{
    public const string Invalid = "invalid";
    public const string None = "";

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._:-]{0,79}$")]
    private static partial Regex IdPattern();

    // name@semver for models; the part after @ must start with a digit, so "alice@example.com" is not a version.
    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,79}(@[0-9][0-9A-Za-z.+-]{0,39})?$")]
    private static partial Regex VersionPattern();

    [GeneratedRegex("^[a-z0-9][a-z0-9:._-]{0,119}$")]
    private static partial Regex ReasonPattern();

    [GeneratedRegex("^[0-9a-f]{64}$")]
    private static partial Regex HashPattern();

    public static string Id(string? s) => string.IsNullOrEmpty(s) ? None : IdPattern().IsMatch(s) ? s : Invalid;

    public static string Version(string? s) => string.IsNullOrEmpty(s) ? None : VersionPattern().IsMatch(s) ? s : Invalid;

    public static string Reason(string? s) => s is not null && ReasonPattern().IsMatch(s) ? s : Invalid;

    /// <summary>A salted user hash (lowercase hex SHA-256), or null: a raw id passed by mistake is dropped, not counted.</summary>
    public static string? UserHash(string? s) => s is not null && HashPattern().IsMatch(s) ? s : null;

    public static bool IsId(string? s) => s is not null && IdPattern().IsMatch(s);
}
