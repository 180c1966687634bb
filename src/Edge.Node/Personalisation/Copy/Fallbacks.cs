namespace Fleet.Edge.Personalisation.Copy;

/// <summary>Fallback reason codes of the personalise stage, as they appear in render results and telemetry.</summary>
public static class Fallbacks
{
    public const string Prefix = "personalise";

    /// <summary>The default copy was used, e.g. <c>personalise:default-copy:model-corrupt</c>.</summary>
    public static string DefaultCopy(string reason) => $"{Prefix}:default-copy:{reason}";

    /// <summary>The default copy itself broke a rule; the render stage may prefer the static creative.</summary>
    public static string DefaultCopyUnsafe(string reason) => $"{Prefix}:default-copy-unsafe:{reason}";

    /// <summary>Provider name when the model was not used.</summary>
    public const string NoProvider = "none";
}
