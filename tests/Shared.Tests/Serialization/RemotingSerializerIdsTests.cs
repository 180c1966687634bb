using Akka.Actor;
using Fleet.Shared.Serialization;
using Fleet.Shared.Tests.Support;

namespace Fleet.Shared.Tests.Serialization;

/// <summary>
/// On a node with remoting (where Akka.Remote registers its own serializers from its configuration), the ids a hostile
/// peer could pick to walk around the allow-list resolve to the refusing serializer, and Fleet's messages still do not.
/// </summary>
public sealed class RemotingSerializerIdsTests
{
    [Fact]
    public async Task A_remoting_node_refuses_json_and_remote_deployment_by_id_and_still_speaks_hyperion()
    {
        var port = TlsNode.FreePort();
        using var node = await TlsNode.StartAsync(port, port, null);
        var serialization = node.System.Serialization;

        var json = new Akka.Serialization.NewtonSoftJsonSerializer((ExtendedActorSystem)node.System);
        var jsonError = Assert.ThrowsAny<System.Runtime.Serialization.SerializationException>(() =>
            serialization.Deserialize(json.ToBinary(new Identify(1)), RefusedSerializer.JsonSerializerId, typeof(Identify).AssemblyQualifiedName!));
        Assert.Contains("serializer id 1", jsonError.Message);

        // What a peer would send to have this node create an actor of its choosing (an internal Akka.Remote type).
        var deploy = serialization.FindSerializerForType(Type.GetType("Akka.Remote.DaemonMsgCreate, Akka.Remote", throwOnError: true)!);
        Assert.IsType<RefusedDeploymentSerializer>(deploy);
        Assert.Equal(RefusedSerializer.RemoteDeploymentSerializerId, deploy.Identifier);
        var deployError = Assert.ThrowsAny<System.Runtime.Serialization.SerializationException>(() =>
            serialization.Deserialize(new byte[] { 10, 0 }, RefusedSerializer.RemoteDeploymentSerializerId, ""));
        Assert.Contains("remote-deployment serializer (serializer id 3)", deployError.Message);

        var message = ProtocolSamples.Protocol().First();
        var hyperion = serialization.FindSerializerFor(message);
        Assert.IsType<Akka.Serialization.HyperionSerializer>(hyperion);
        Assert.NotNull(serialization.Deserialize(hyperion.ToBinary(message), hyperion.Identifier, message.GetType().AssemblyQualifiedName!));
        // Akka's own system messages keep their serializers (membership and remote watch depend on them).
        Assert.IsNotAssignableFrom<RefusedSerializer>(serialization.FindSerializerFor(new Identify(1)));
    }
}
