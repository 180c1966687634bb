using System.Text.Json;
using Akka.Serialization;
using Fleet.Shared.Serialization;

namespace Fleet.Shared.Tests.Serialization;

public sealed class ConfiguredSerializersTests(SerializationFixture fixture) : IClassFixture<SerializationFixture>
{
    [Fact]
    public void Samples_cover_every_protocol_and_event_type()
    {
        var protocolTypes = typeof(IFleetProtocol).Assembly.GetTypes()
            .Where(t => typeof(IFleetProtocol).IsAssignableFrom(t) && t is { IsInterface: false, IsAbstract: false });
        var missing = protocolTypes.Except(ProtocolSamples.Protocol().Select(o => o.GetType())).Select(t => t.FullName).ToList();
        Assert.True(missing.Count == 0, "no sample for: " + string.Join(", ", missing));

        var eventMissing = FleetEventSerializer.KnownTypes.Except(ProtocolSamples.Events().Select(o => o.GetType())).ToList();
        Assert.Empty(eventMissing);
    }

    [Fact]
    public void Every_protocol_message_round_trips_through_allow_listed_hyperion()
    {
        foreach (var message in ProtocolSamples.Protocol())
        {
            var serializer = fixture.System.Serialization.FindSerializerFor(message);
            Assert.IsType<HyperionSerializer>(serializer);
            var back = RoundTrip(serializer, message);
            Assert.Equal(Json(message), Json(back));
        }
    }

    [Fact]
    public void Every_persisted_event_round_trips_through_the_versioned_json_serializer()
    {
        foreach (var evt in ProtocolSamples.Events())
        {
            var serializer = fixture.System.Serialization.FindSerializerFor(evt);
            Assert.Equal(FleetEventSerializer.SerializerId, serializer.Identifier);
            var manifest = Akka.Serialization.Serialization.ManifestFor(serializer, evt);
            Assert.EndsWith(".v1", manifest);
            var back = fixture.System.Serialization.Deserialize(serializer.ToBinary(evt), serializer.Identifier, manifest);
            Assert.Equal(Json(evt), Json(back));
        }
    }

    [Fact]
    public void Stored_event_bytes_are_plain_json_readable_without_the_class()
    {
        var evt = ProtocolSamples.Events().First();
        var bytes = fixture.System.Serialization.FindSerializerFor(evt).ToBinary(evt);
        using var doc = JsonDocument.Parse(bytes);
        Assert.Equal("kiosk-1", doc.RootElement.GetProperty("facts").GetProperty("device_id").GetString());
    }

    [Fact]
    public void A_message_of_a_type_not_on_the_allow_list_is_refused()
    {
        var foreign = new NotOnTheList("payload");
        var serializer = fixture.System.Serialization.FindSerializerFor(foreign);
        // Hyperion checks the filter in both directions: a foreign type neither leaves nor enters a node.
        var error = Assert.ThrowsAny<Exception>(() => serializer.FromBinary(serializer.ToBinary(foreign), typeof(object)));
        Assert.Contains("Unsafe Type", error.ToString());
    }

    [Fact]
    public void A_protocol_message_smuggling_a_foreign_type_is_refused()
    {
        var smuggled = new DeviceEnvelopeLookalike(new NotOnTheList("x"));
        var serializer = fixture.System.Serialization.FindSerializerFor(smuggled);
        Assert.ThrowsAny<Exception>(() => serializer.FromBinary(serializer.ToBinary(smuggled), typeof(object)));
    }

    [Fact]
    public void Bytes_written_with_akkas_json_serializer_are_refused_by_a_fleet_node()
    {
        // A peer picks the serializer id of what it sends; id 1 (Newtonsoft JSON, type names in the payload) would
        // never pass the Hyperion allow-list, so a Fleet node must not have a working serializer under that id.
        using var peer = Akka.Actor.ActorSystem.Create("json-peer");
        var json = new NewtonSoftJsonSerializer((Akka.Actor.ExtendedActorSystem)peer);
        Assert.Equal(RefusedSerializer.JsonSerializerId, json.Identifier);
        foreach (var message in new object[] { new NotOnTheList("payload"), ProtocolSamples.Protocol().First() })
        {
            var bytes = json.ToBinary(message);
            var manifest = message.GetType().AssemblyQualifiedName!;
            var error = Assert.ThrowsAny<System.Runtime.Serialization.SerializationException>(() =>
                fixture.System.Serialization.Deserialize(bytes, RefusedSerializer.JsonSerializerId, manifest));
            Assert.Contains("Akka's JSON serializer (serializer id 1), which Fleet refuses", error.Message);
        }
    }

    [Fact]
    public void Nothing_is_written_with_the_json_serializer_either_and_fleet_messages_still_use_hyperion()
    {
        var serializers = fixture.System.Serialization;
        // What a plugin configured with `serializer = "json"` (Akka.Persistence's default) would get for an unbound type.
        var named = serializers.FindSerializerForType(typeof(AskedForJson), RefusedSerializer.JsonSerializerName);
        Assert.IsType<RefusedJsonSerializer>(named);
        Assert.Equal(RefusedSerializer.JsonSerializerId, named.Identifier);
        Assert.ThrowsAny<System.Runtime.Serialization.SerializationException>(() => named.ToBinary(new AskedForJson()));
        var message = ProtocolSamples.Protocol().First();
        var hyperion = serializers.FindSerializerFor(message);
        Assert.IsType<HyperionSerializer>(hyperion);
        var manifest = Akka.Serialization.Serialization.ManifestFor(hyperion, message);
        var back = serializers.Deserialize(hyperion.ToBinary(message), hyperion.Identifier, manifest);
        Assert.Equal(Json(message), Json(back));
    }

    private static object RoundTrip(Serializer serializer, object message) =>
        serializer.FromBinary(serializer.ToBinary(message), message.GetType());

    private static string Json(object o) => JsonSerializer.Serialize(o, o.GetType(), FleetJson.Options);

    public sealed record NotOnTheList(string Value);

    public sealed record AskedForJson;

    public sealed record DeviceEnvelopeLookalike(object Inner);
}
