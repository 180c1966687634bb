using System.Collections.Frozen;
using System.Reflection;
using System.Runtime.Serialization;
using System.Text.Json;
using Akka.Actor;
using Akka.Serialization;

namespace Fleet.Shared.Serialization;

/// <summary>
/// Schema-based serializer for persisted events: System.Text.Json bytes plus a manifest such as
/// <c>device-registered.v1</c> taken from <see cref="PersistedAsAttribute"/>. A new schema gets a new manifest and both
/// stay readable.
/// </summary>
public sealed class FleetEventSerializer : SerializerWithStringManifest
{
    public const int SerializerId = 7101;
    public const string Name = "fleet-events";

    /// <summary>Assemblies scanned for <see cref="IFleetEvent"/> types; the cloud and edge register theirs at start-up.</summary>
    public static readonly List<Assembly> EventAssemblies = new() { typeof(FleetEventSerializer).Assembly };

    private static readonly Lazy<(FrozenDictionary<string, Type> ByManifest, FrozenDictionary<Type, string> ByType)> DefaultRegistry =
        new(() => BuildRegistry(EventAssemblies));

    private readonly Lazy<(FrozenDictionary<string, Type> ByManifest, FrozenDictionary<Type, string> ByType)> Registry;

    public FleetEventSerializer(ExtendedActorSystem system) : base(system) => Registry = DefaultRegistry;

    /// <summary>A serializer over explicit assemblies (tests that need event types of their own).</summary>
    internal FleetEventSerializer(ExtendedActorSystem system, IEnumerable<Assembly> assemblies) : base(system) =>
        Registry = new(() => BuildRegistry(assemblies));

    public override int Identifier => SerializerId;

    public static IReadOnlyCollection<Type> KnownTypes => DefaultRegistry.Value.ByType.Keys;

    public override string Manifest(object o) =>
        Registry.Value.ByType.TryGetValue(o.GetType(), out var m)
            ? m
            : throw new SerializationException($"{o.GetType().FullName} is not a registered persisted type (add [PersistedAs])");

    public override byte[] ToBinary(object obj)
    {
        _ = Manifest(obj);
        return JsonSerializer.SerializeToUtf8Bytes(obj, obj.GetType(), FleetJson.Options);
    }

    public override object FromBinary(byte[] bytes, string manifest)
    {
        if (!Registry.Value.ByManifest.TryGetValue(manifest, out var type))
            throw new SerializationException($"unknown persisted manifest '{manifest}'");
        return JsonSerializer.Deserialize(bytes, type, FleetJson.Options)
               ?? throw new SerializationException($"persisted '{manifest}' decoded to null");
    }

    private static (FrozenDictionary<string, Type>, FrozenDictionary<Type, string>) BuildRegistry(IEnumerable<Assembly> assemblies)
    {
        var byManifest = new Dictionary<string, Type>();
        foreach (var type in assemblies.Distinct().SelectMany(a => a.GetTypes()).Where(t => typeof(IFleetEvent).IsAssignableFrom(t) && t is { IsAbstract: false, IsInterface: false }))
        {
            var manifest = type.GetCustomAttribute<PersistedAsAttribute>()?.Manifest
                           ?? throw new InvalidOperationException($"{type.FullName} implements IFleetEvent but has no [PersistedAs]");
            if (!byManifest.TryAdd(manifest, type))
                throw new InvalidOperationException($"manifest '{manifest}' is used by both {byManifest[manifest].FullName} and {type.FullName}");
        }
        return (byManifest.ToFrozenDictionary(), byManifest.ToFrozenDictionary(kv => kv.Value, kv => kv.Key));
    }
}
