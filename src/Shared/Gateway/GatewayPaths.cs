using Akka.Actor;
using Fleet.Shared.Cluster;

namespace Fleet.Shared.Gateway;

/// <summary>
/// Where a device's presence lives on a gateway: <c>/user/gateway/ID@N</c>, one actor per connection (N counts the
/// device's connections, so a reconnect never waits for the old actor's name). Control-plane actors read a device's
/// identity from the sender's path on a gateway member, which only the gateway (from the client certificate) chose.
/// </summary>
public static class GatewayPaths
{
    private const char Separator = '@';

    public static string ConnectionName(string deviceId, long connection) => $"{deviceId}{Separator}{connection}";

    /// <summary>The device a connection actor speaks for; null when the path is not a gateway connection.</summary>
    public static string? DeviceOf(ActorPath path)
    {
        if (path.Parent is not { } parent || parent.Name != ActorNames.Cloud.Gateway || parent.Parent?.Name != "user") return null;
        var at = path.Name.LastIndexOf(Separator);
        return at > 0 ? path.Name[..at] : null;
    }
}
