using Fleet.Shared.Serialization;

namespace Fleet.Shared.Devices;

/// <summary>
/// Published to every cloud node when a device registers, so each node's list of known devices grows at once: a device
/// behind a gateway is never a cluster member, so membership cannot tell the control plane that it exists.
/// </summary>
public sealed record RegistrationNotice(string DeviceId) : IFleetProtocol
{
    public const string Topic = "fleet-registrations";
}
