namespace Fleet.Shared.Serialization;

/// <summary>Marks a type that may cross the wire between nodes; only these pass the Hyperion allow-list.</summary>
public interface IFleetProtocol;

/// <summary>
/// Marks a persisted event or snapshot. These are written with <see cref="FleetEventSerializer"/> (JSON with a versioned
/// manifest per type), never Hyperion, so stored data survives upgrades.
/// </summary>
public interface IFleetEvent;

/// <summary>The stable, versioned name an event is stored under; renaming the class never changes it.</summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class PersistedAsAttribute(string manifest) : Attribute
{
    public string Manifest { get; } = manifest;
}
