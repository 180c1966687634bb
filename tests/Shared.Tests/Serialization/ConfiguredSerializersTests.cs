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

    private static object RoundTrip(Serializer serializer, object message) =>
        serializer.FromBinary(serializer.ToBinary(message), message.GetType());

    private static string Json(object o) => JsonSerializer.Serialize(o, o.GetType(), FleetJson.Options);

    public sealed record NotOnTheList(string Value);

    public sealed record DeviceEnvelopeLookalike(object Inner);
}
