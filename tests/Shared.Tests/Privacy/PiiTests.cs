using Akka.Actor;
using Akka.Serialization;
using Fleet.Shared.Privacy;
using Fleet.Shared.Serialization;
using Fleet.Shared.Tests.Serialization;

namespace Fleet.Shared.Tests.Privacy;

/// <summary>Personal data has no wire or storage form: both serializers refuse <see cref="Pii{T}"/>.</summary>
public sealed class PiiTests(SerializationFixture fixture) : IClassFixture<SerializationFixture>
{
    /// <summary>A protocol message that (wrongly) carries personal data.</summary>
    public sealed record CarriesPii(string DeviceId, Pii<string> UserId) : IFleetProtocol;

    [PersistedAs("carries-pii-test.v1")]
    public sealed record PiiEvent(string DeviceId, Pii<string> Email) : IFleetEvent;

    private static readonly Pii<string> Email = new("alice@example.com");

    [Fact]
    public void The_wire_filter_refuses_pii_even_inside_an_allowed_protocol_message()
    {
        var filter = new ProtocolTypeFilter([typeof(PiiTests).Assembly, typeof(IFleetProtocol).Assembly]);
        Assert.True(filter.IsAllowed(typeof(ConfiguredSerializersTests.NotOnTheList).AssemblyQualifiedName!) is false);
        Assert.True(filter.IsAllowed(typeof(CarriesPii).AssemblyQualifiedName!), "the carrier itself is a protocol type here");
        Assert.False(filter.IsAllowed(typeof(Pii<string>).AssemblyQualifiedName!));
        Assert.False(filter.IsAllowed(typeof(List<Pii<string>>).AssemblyQualifiedName!));

        var hyperion = new HyperionSerializer((ExtendedActorSystem)fixture.System, HyperionSerializerSettings.Default
            .WithDisallowUnsafeType(true).WithTypeFilter(filter));
        var error = Assert.ThrowsAny<Exception>(() => hyperion.FromBinary(hyperion.ToBinary(new CarriesPii("kiosk-1", Email)), typeof(CarriesPii)));
        Assert.Contains("Pii", error.ToString());
    }

    [Fact]
    public void The_configured_remote_serializer_refuses_a_bare_pii()
    {
        var serializer = fixture.System.Serialization.FindSerializerFor(Email);
        Assert.ThrowsAny<Exception>(() => serializer.FromBinary(serializer.ToBinary(Email), typeof(object)));
    }

    [Fact]
    public void The_persisted_event_serializer_refuses_an_event_carrying_pii()
    {
        var serializer = new FleetEventSerializer((ExtendedActorSystem)fixture.System, [typeof(PiiTests).Assembly, typeof(IFleetEvent).Assembly]);
        Assert.Equal("carries-pii-test.v1", serializer.Manifest(new PiiEvent("kiosk-1", Email)));
        var error = Assert.Throws<PiiSerializationException>(() => serializer.ToBinary(new PiiEvent("kiosk-1", Email)));
        Assert.Contains("must never be serialized", error.Message);
        Assert.Throws<PiiSerializationException>(() =>
            serializer.FromBinary("""{"device_id":"kiosk-1","email":"alice@example.com"}"""u8.ToArray(), "carries-pii-test.v1"));
    }

    [Fact]
    public void Pii_never_shows_its_value_in_text()
    {
        Assert.Equal("[pii]", Email.ToString());
        Assert.DoesNotContain("alice", $"{new CarriesPii("kiosk-1", Email)}");
        Assert.Equal("alice@example.com", Email.Reveal());
    }
}
