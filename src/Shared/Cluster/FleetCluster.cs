namespace Fleet.Shared.Cluster;

/// <summary>Names the whole cluster agrees on: system name and roles (actor, singleton and shard names are in <see cref="ActorNames"/>).</summary>
public static class FleetCluster
{
    public const string SystemName = "fleet";

    public const string ControlRole = "control";
    public const string RenderRole = "render";
    /// <summary>Cloud nodes that hold device streams (gRPC, mutual TLS); devices themselves are never members.</summary>
    public const string GatewayRole = "gateway";
    public const string EdgeRole = "edge";

    /// <summary>The roles a cloud node may have, and so the roles a node certificate may grant.</summary>
    public static readonly IReadOnlyList<string> CloudRoles = new[] { ControlRole, RenderRole, GatewayRole };

    /// <summary>
    /// Every edge member also carries <c>device-ID</c> as a role, so the control plane can map a member to its device
    /// from membership events alone, without a lookup table that could drift.
    /// </summary>
    public const string DeviceRolePrefix = "device-";

    public const string PlainScheme = "akka.tcp";
    /// <summary>Akka names the transport <c>akka.ssl.tcp</c> once TLS is on; seeds are written either way and adjusted.</summary>
    public const string TlsScheme = "akka.ssl.tcp";

    public static string WithScheme(string address, bool tls)
    {
        var rest = address.StartsWith(TlsScheme + "://", StringComparison.Ordinal) ? address[(TlsScheme.Length + 3)..]
            : address.StartsWith(PlainScheme + "://", StringComparison.Ordinal) ? address[(PlainScheme.Length + 3)..]
            : address;
        return $"{(tls ? TlsScheme : PlainScheme)}://{rest}";
    }

    public static string DeviceRole(string deviceId) => DeviceRolePrefix + deviceId;

    public static string? DeviceIdOf(IEnumerable<string> roles) =>
        roles.FirstOrDefault(r => r.StartsWith(DeviceRolePrefix, StringComparison.Ordinal))?[DeviceRolePrefix.Length..];
}
