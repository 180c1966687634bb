namespace Fleet.Shared.Rendering;

/// <summary>
/// The local signals a device personalises with. It never leaves the device: only the chosen copy ids and aggregates do.
/// </summary>
public sealed record RenderContext
{
    public string? Locale { get; init; }
    /// <summary>morning | afternoon | evening | night; derived from the device clock when absent.</summary>
    public string? Daypart { get; init; }
    public string? Weather { get; init; }
    public string? Store { get; init; }
    public IReadOnlyList<string> InventoryHighlights { get; init; } = Array.Empty<string>();
    public IReadOnlyList<string> Interests { get; init; } = Array.Empty<string>();
    /// <summary>Slot values from the device's local data (e.g. <c>price</c>, <c>store</c>).</summary>
    public IReadOnlyDictionary<string, string> Fields { get; init; } = new Dictionary<string, string>();
    /// <summary>Raw user id as the kiosk knows it; salted-hashed on the device before any use.</summary>
    public string? UserId { get; init; }
}
