using System.Collections.Concurrent;
using System.Runtime.Serialization;
using Akka.Actor;
using Akka.Event;
using Akka.Serialization;

namespace Fleet.Shared.Serialization;

/// <summary>
/// Takes the place of a built-in serializer that must never read remote bytes. Akka resolves an inbound message's
/// serializer by the id the sender wrote into it, so a hostile peer could pick Akka's JSON serializer (id 1, type names
/// in the payload) and walk around the Hyperion allow-list, or send a remote-deployment request (id 3). Registered
/// under such an id, this one refuses everything in both directions. It has a string manifest so that Akka hands it the sender's type name as text instead of loading
/// that type first. One log line per refused manifest (the peer is not visible to a serializer; Akka logs each
/// dropped message with its own line).
/// </summary>
public abstract class RefusedSerializer(ExtendedActorSystem system, int identifier, string replaces) : SerializerWithStringManifest(system)
{
    /// <summary>
    /// Configuration that puts the refusing serializers in place of Akka's own under the same names and ids, so there is
    /// one definition of each (replacing them through the setup instead makes Akka warn on every start).
    /// </summary>
    public static string Hocon => $$"""
        akka.actor.serializers.{{JsonSerializerName}} = "{{typeof(RefusedJsonSerializer).AssemblyQualifiedName}}"
        akka.actor.serializers.{{RemoteDeploymentSerializerName}} = "{{typeof(RefusedDeploymentSerializer).AssemblyQualifiedName}}"
        """;

    /// <summary>Akka's built-in Newtonsoft JSON serializer: its id and the name it is configured under.</summary>
    public const int JsonSerializerId = 1;
    public const string JsonSerializerName = "json";
    /// <summary>
    /// Akka.Remote's remote-deployment serializer: a peer could ask this node to create actors of its choosing.
    /// Fleet never deploys actors remotely, so it is refused too.
    /// </summary>
    public const int RemoteDeploymentSerializerId = 3;
    public const string RemoteDeploymentSerializerName = "daemon-create";
    private const int MaxLoggedManifests = 100;

    private readonly ConcurrentDictionary<string, bool> _logged = new(StringComparer.Ordinal);

    public override int Identifier => identifier;

    public override string Manifest(object o) => throw Refusal($"{o.GetType().FullName} would be written with");

    public override byte[] ToBinary(object obj) => throw Refusal($"{obj.GetType().FullName} would be written with");

    public override object FromBinary(byte[] bytes, string manifest)
    {
        // The manifest is the sender's text: shorten it before it reaches a log line.
        var name = manifest.Length > 200 ? manifest[..200] + "…" : manifest.Length == 0 ? "(no manifest)" : manifest;
        var refusal = Refusal($"refused a remote message ({name}) written with");
        if (_logged.Count < MaxLoggedManifests && _logged.TryAdd(name, true)) system.Log.Warning(refusal.Message);
        throw refusal;
    }

    private SerializationException Refusal(string what) =>
        new($"{what} {replaces} (serializer id {identifier}), which Fleet refuses: only Fleet protocol types cross the wire");
}

/// <summary>In place of Akka's JSON serializer (id 1).</summary>
public sealed class RefusedJsonSerializer : RefusedSerializer
{
    public RefusedJsonSerializer(ExtendedActorSystem system) : base(system, JsonSerializerId, "Akka's JSON serializer") { }

    // Akka creates serializers named in configuration with their settings, where it has any.
    public RefusedJsonSerializer(ExtendedActorSystem system, Akka.Configuration.Config _) : this(system) { }
}

/// <summary>In place of Akka.Remote's remote-deployment serializer (id 3).</summary>
public sealed class RefusedDeploymentSerializer : RefusedSerializer
{
    public RefusedDeploymentSerializer(ExtendedActorSystem system) : base(system, RemoteDeploymentSerializerId, "Akka's remote-deployment serializer") { }

    public RefusedDeploymentSerializer(ExtendedActorSystem system, Akka.Configuration.Config _) : this(system) { }
}
