using Akka.Actor;
using Fleet.Shared.Cluster;
using Fleet.Shared.Gateway;

namespace Fleet.Cloud.Authority;

/// <summary>Who sent a message to a control-plane actor, as this node's view of the cluster tells it.</summary>
public abstract record CommandSender
{
    /// <summary>An actor of this node (the API, a timer, the journal): the node trusts itself.</summary>
    public sealed record Local : CommandSender;

    /// <summary>An actor on another cloud node, with the roles its member has (attested by its certificate).</summary>
    public sealed record Node(Address Address, IReadOnlySet<string> Roles) : CommandSender;

    /// <summary>A device's connection actor on a gateway node: the gateway named it from the client certificate.</summary>
    public sealed record GatewayDevice(string DeviceId, Address Gateway) : CommandSender;

    /// <summary>A device that is itself a member (development clusters only, --insecure-dev).</summary>
    public sealed record MemberDevice(string DeviceId, Address Address) : CommandSender;

    /// <summary>An address that is not a member of this cluster.</summary>
    public sealed record Stranger(Address Address) : CommandSender;

    public static CommandSender Of(IActorRef sender, ActorSystem system)
    {
        var address = sender.Path.Address;
        if (!address.HasGlobalScope) return new Local();
        var cluster = Akka.Cluster.Cluster.Get(system);
        if (address == cluster.SelfAddress) return new Local();
        var member = cluster.State.Members.FirstOrDefault(m => m.Address == address);
        if (member is null) return new Stranger(address);
        if (member.HasRole(FleetCluster.EdgeRole))
            return FleetCluster.DeviceIdOf(member.Roles) is { } dev ? new MemberDevice(dev, address) : new Stranger(address);
        if (member.HasRole(FleetCluster.GatewayRole) && GatewayPaths.DeviceOf(sender.Path) is { } device) return new GatewayDevice(device, address);
        return new Node(address, member.Roles.ToHashSet(StringComparer.Ordinal));
    }

    public sealed override string ToString() => this switch
    {
        Local => "this node",
        Node n => $"node {n.Address} ({string.Join(',', n.Roles.Order(StringComparer.Ordinal))})",
        GatewayDevice g => $"device {g.DeviceId} via gateway {g.Gateway}",
        MemberDevice d => $"device member {d.DeviceId} at {d.Address}",
        Stranger s => $"non-member {s.Address}",
        _ => GetType().Name,
    };
}
