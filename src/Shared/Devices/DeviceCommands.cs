using Fleet.Shared.Serialization;

namespace Fleet.Shared.Devices;

/// <summary>Messages addressed to one device's entity in the cloud registry.</summary>
public interface IDeviceMessage : IFleetProtocol
{
    string DeviceId { get; }
}

/// <summary>Commands and queries the device registry entity accepts.</summary>
public static class DeviceCommands
{
    /// <summary>Sent by the device's link on every join; answered with <see cref="DeviceReplies.Registered"/> or <see cref="DeviceReplies.Refused"/>.</summary>
    public sealed record Register(DeviceFacts Facts, string Address) : IDeviceMessage
    {
        public string DeviceId => Facts.DeviceId;
    }

    /// <summary>Periodic sign of life from the device's link.</summary>
    public sealed record Heartbeat(string DeviceId, string InstallationId) : IDeviceMessage;

    /// <summary>Membership change observed by a control node (not persisted: connectivity is live state).</summary>
    public sealed record ConnectivityChanged(string DeviceId, Connectivity State, string Address, DateTimeOffset At) : IDeviceMessage;

    public sealed record Get(string DeviceId) : IDeviceMessage;
}

/// <summary>Answers of the device registry entity.</summary>
public static class DeviceReplies
{
    /// <summary>Accepted; <see cref="Credentials"/> carries the device's API token when the token store answered in time.</summary>
    public sealed record Registered(string DeviceId, bool FirstTime, Tokens.DeviceCredentials? Credentials = null) : IFleetProtocol;

    public sealed record Refused(string DeviceId, string Reason) : IFleetProtocol;

    /// <summary>The registry's view of one device; <see cref="Facts"/> is null for an id that never registered.</summary>
    public sealed record DeviceView(
        string DeviceId,
        DeviceFacts? Facts,
        DateTimeOffset? RegisteredAt,
        DateTimeOffset? LastSeen,
        Connectivity Connectivity,
        string? Address) : IFleetProtocol;
}
