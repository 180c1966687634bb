using Akka.Actor;
using Fleet.Edge.Identity;
using Fleet.Shared.Cluster;
using Fleet.Shared.Gateway.Wire;

namespace Fleet.Edge.Link;

/// <summary>
/// One attempt at a stream to one gateway, as the link sees it: it queues frames, and tells the link what arrives
/// (<see cref="GatewayConnection.Received"/>) and when it is over (<see cref="GatewayConnection.Lost"/>). The agent's is
/// <see cref="GatewayStream"/>; a spec of the link drives its own to say what the gateway answers.
/// </summary>
public interface IGatewayConnection : IAsyncDisposable
{
    SeedAddress Gateway { get; }

    /// <summary>Queues a frame; false when the stream is over or stuck (the link then starts another).</summary>
    bool TrySend(DeviceFrame frame);
}

/// <summary>Opens attempt <paramref name="attempt"/> to <paramref name="gateway"/>, reporting to <paramref name="link"/>.</summary>
public delegate IGatewayConnection GatewayConnector(SeedAddress gateway, EdgeCredentials credentials, IActorRef link, int attempt);

/// <summary>What a connection tells the link, each stamped with its attempt so late news of an earlier one is ignored.</summary>
public static class GatewayConnection
{
    /// <summary>A record the gateway sent on attempt <see cref="Attempt"/>.</summary>
    public sealed record Received(int Attempt, object Message);

    /// <summary>Attempt <see cref="Attempt"/>'s stream is over; <see cref="Reason"/> is one line.</summary>
    public sealed record Lost(int Attempt, string Reason);
}
