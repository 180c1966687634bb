using System.Text.RegularExpressions;

namespace Fleet.Shared.Campaigns;

/// <summary>
/// What a campaign id may be (the campaign schema's pattern): it names folders on devices and in the cloud, so
/// nothing that could climb out of one (<c>/</c>, <c>..</c>) or hide in one (control or non-ASCII characters).
/// </summary>
public static partial class CampaignIds
{
    [GeneratedRegex("^[a-z0-9][a-z0-9-]{0,63}$")]
    private static partial Regex Pattern();

    public static bool IsValid(string? id) => id is not null && Pattern().IsMatch(id);
}
