using Fleet.Shared.Serialization;

namespace Fleet.Shared.Devices;

/// <summary>Published to every cloud node when a device is revoked, so each one's TLS check refuses it from then on.</summary>
public sealed record RevocationNotice(string DeviceId) : IFleetProtocol
{
    public const string Topic = "fleet-revocations";
}
