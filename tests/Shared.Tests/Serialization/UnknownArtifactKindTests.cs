using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using Akka.Serialization;
using Fleet.Shared.Campaigns;
using Fleet.Shared.Rollouts;

namespace Fleet.Shared.Tests.Serialization;

/// <summary>
/// Stored rollout events and overlays naming an artifact kind Fleet does not know fail to read, with one line that names
/// the kind, instead of turning into some other kind (an enum read a number such as 2 as a template).
/// </summary>
public sealed class UnknownArtifactKindTests(SerializationFixture fixture) : IClassFixture<SerializationFixture>
{
    [Theory]
    [InlineData("rollout-started.v1", "\"widget\"", "unknown artifact kind 'widget'")]
    [InlineData("rollout-started.v1", "2", "unknown artifact kind '2'")]
    [InlineData("campaign-overlay-set.v1", "\"widget\"", "unknown artifact kind 'widget'")]
    public void A_stored_unknown_kind_is_refused_in_one_line(string manifest, string kind, string expected)
    {
        var json = File.ReadAllText(Path.Combine(SourceDir(), "Fixtures", manifest + ".json"));
        Assert.Contains("\"kind\": \"campaign\"", json);
        // The serializer the journal reads this manifest with.
        var serializer = (SerializerWithStringManifest)fixture.System.Serialization.FindSerializerFor(ProtocolSamples.Events().First());

        var e = Assert.ThrowsAny<JsonException>(() => serializer.FromBinary(Encoding.UTF8.GetBytes(json.Replace("\"kind\": \"campaign\"", $"\"kind\": {kind}")), manifest));

        Assert.StartsWith(expected + "; known kinds: campaign, model, template", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void Every_known_kind_reads_back_as_the_same_kind()
    {
        foreach (var kind in ArtifactKind.All)
        {
            var overlay = ProtocolSamples.Overlay() with { Kind = kind };
            var json = JsonSerializer.Serialize(overlay, Fleet.Shared.Serialization.FleetJson.Options);
            Assert.Contains($"\"kind\":\"{kind.Name}\"", json);
            Assert.Same(kind, JsonSerializer.Deserialize<ArtifactOverlay>(json, Fleet.Shared.Serialization.FleetJson.Options)!.Kind);
        }
    }

    [Fact]
    public void A_kind_sent_between_nodes_is_still_the_same_kind()
    {
        var overlay = ProtocolSamples.Overlay() with { Kind = ArtifactKind.Model };
        var serializer = fixture.System.Serialization.FindSerializerFor(overlay);
        var back = (ArtifactOverlay)serializer.FromBinary(serializer.ToBinary(overlay), typeof(ArtifactOverlay));
        // Hyperion builds its own instance of the kind; it must still be the model kind everywhere a kind is compared.
        Assert.True(back.Kind == ArtifactKind.Model);
        Assert.False(back.Kind == ArtifactKind.Campaign);
        Assert.Equal(overlay, back with { Devices = overlay.Devices, Tags = overlay.Tags });
    }

    private static string SourceDir([CallerFilePath] string file = "") => Path.GetDirectoryName(file)!;
}
