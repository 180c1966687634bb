using System.Diagnostics.CodeAnalysis;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using Fleet.Shared.Ids;

namespace Fleet.Shared.Campaigns;

/// <summary>
/// A campaign id (the campaign schema's pattern): it names folders on devices and in the cloud, so nothing that could
/// climb out of one (<c>/</c>, <c>..</c>) or hide in one (control or non-ASCII characters).
/// </summary>
[JsonConverter(typeof(FleetIdJsonConverter<CampaignId>))]
public readonly partial record struct CampaignId : IFleetId<CampaignId>
{
    private const string Rule = "use 1-64 of a-z 0-9 - starting with a letter or digit";

    // The schema's pattern, ending in \z: a .NET $ also matches before a final newline.
    [GeneratedRegex(@"^[a-z0-9][a-z0-9-]{0,63}\z")]
    private static partial Regex Pattern();

    private CampaignId(string value) => Value = value;

    public string Value { get; }

    public static bool IsValid([NotNullWhen(true)] string? text) => text is not null && Pattern().IsMatch(text);

    public static string? Invalid(string? text) => IsValid(text) ? null : $"campaign id '{text}' is invalid: {Rule}";

    public static CampaignId Parse(string text) => FleetIds.Parse<CampaignId>(text);

    public static CampaignId Parse(string s, IFormatProvider? provider) => IsValid(s) ? new CampaignId(s) : throw new FormatException(Invalid(s));

    public static bool TryParse([NotNullWhen(true)] string? s, out CampaignId result)
    {
        result = IsValid(s) ? new CampaignId(s) : default;
        return result.Value is not null;
    }

    public static bool TryParse([NotNullWhen(true)] string? s, IFormatProvider? provider, out CampaignId result) => TryParse(s, out result);

    public override string ToString() => Value ?? "";
}
