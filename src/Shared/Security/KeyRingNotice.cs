using Fleet.Shared.Serialization;

namespace Fleet.Shared.Security;

/// <summary>Published to every cloud node when the signing key ring changed in the database, so each reloads it at once.</summary>
public sealed record KeyRingNotice(string ActiveKid) : IFleetProtocol
{
    public const string Topic = "fleet-key-ring";
}
