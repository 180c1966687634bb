namespace Fleet.Shared.Cluster;

/// <summary>Names the whole cluster agrees on: system name, roles, shard and singleton names.</summary>
public static class FleetCluster
{
    public const string SystemName = "fleet";

    public const string ControlRole = "control";
    public const string RenderRole = "render";
    public const string EdgeRole = "edge";

    /// <summary>
    /// Every edge member also carries <c>device-ID</c> as a role, so the control plane can map a member to its device
    /// from membership events alone, without a lookup table that could drift.
    /// </summary>
    public const string DeviceRolePrefix = "device-";

    public const string DeviceShard = "device";
    public const string TelemetrySingleton = "telemetry-ingest";

    public static string DeviceRole(string deviceId) => DeviceRolePrefix + deviceId;

    public static string? DeviceIdOf(IEnumerable<string> roles) =>
        roles.FirstOrDefault(r => r.StartsWith(DeviceRolePrefix, StringComparison.Ordinal))?[DeviceRolePrefix.Length..];
}
