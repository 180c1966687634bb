using System.Text.RegularExpressions;

namespace Fleet.Edge.Rendering;

/// <summary>When a render goes to a cloud render worker instead of this device, and how each outcome is named.</summary>
public static partial class Delegation
{
    public const string EdgeFirst = "edge-first";
    public const string Cloud = "cloud";
    public static readonly IReadOnlyList<string> Modes = new[] { EdgeFirst, Cloud };

    /// <summary>Why this render should be delegated, or null to render here.</summary>
    public static string? Reason(string mode, int height, int maxLocalHeight) =>
        mode == Cloud ? "mode-cloud"
        : height > maxLocalHeight ? $"{height}p-over-{maxLocalHeight}p"
        : null;

    /// <summary>The fallback recorded when a delegation did not produce the ad and the device rendered its own variant.</summary>
    public static string LocalFallback(int localHeight, string why) => $"delegate:local-{localHeight}p:{why}";

    /// <summary>The campaign version a synced campaign folder holds (<c>…/v3</c>), null for a local folder.</summary>
    public static int? VersionOf(string campaignDirectory) =>
        VersionFolder().Match(Path.GetFileName(Path.TrimEndingDirectorySeparator(campaignDirectory))) is { Success: true } m ? int.Parse(m.Groups[1].Value) : null;

    [GeneratedRegex(@"^v(\d{1,9})$")]
    private static partial Regex VersionFolder();
}
