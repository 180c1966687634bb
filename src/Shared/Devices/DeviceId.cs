using System.Diagnostics.CodeAnalysis;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using Fleet.Shared.Ids;

namespace Fleet.Shared.Devices;

/// <summary>
/// A device id: short, lowercase and path-safe, since it names shard entities, roles, folders, URLs and certificates.
/// Only <see cref="Parse(string)"/> and <see cref="TryParse(string?, out DeviceId)"/> make one, so a value in hand is valid.
/// </summary>
[JsonConverter(typeof(FleetIdJsonConverter<DeviceId>))]
public readonly partial record struct DeviceId : IFleetId<DeviceId>
{
    /// <summary>The grammar without anchors, so patterns that embed a device id (an enrolment code) use this one.</summary>
    public const string Grammar = "[a-z0-9][a-z0-9._-]{0,62}";

    private const string Rule = "use 1-63 of a-z 0-9 . _ - starting with a letter or digit";

    // \z, not $: $ also matches before a final newline, which would let "kiosk-1\n" through.
    [GeneratedRegex("^" + Grammar + @"\z")]
    private static partial Regex Pattern();

    private DeviceId(string value) => Value = value;

    public string Value { get; }

    public static bool IsValid([NotNullWhen(true)] string? text) => text is not null && Pattern().IsMatch(text);

    public static string? Invalid(string? text) => IsValid(text) ? null : $"device id '{text}' is invalid: {Rule}";

    public static DeviceId Parse(string text) => FleetIds.Parse<DeviceId>(text);

    public static DeviceId Parse(string s, IFormatProvider? provider) => IsValid(s) ? new DeviceId(s) : throw new FormatException(Invalid(s));

    public static bool TryParse([NotNullWhen(true)] string? s, out DeviceId result)
    {
        result = IsValid(s) ? new DeviceId(s) : default;
        return result.Value is not null;
    }

    public static bool TryParse([NotNullWhen(true)] string? s, IFormatProvider? provider, out DeviceId result) => TryParse(s, out result);

    /// <summary>A fresh id for a device that was not given one.</summary>
    public static DeviceId New() => new("dev-" + Guid.NewGuid().ToString("N")[..12]);

    public override string ToString() => Value ?? "";
}
