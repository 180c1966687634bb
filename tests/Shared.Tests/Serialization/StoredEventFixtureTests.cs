using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Akka.Serialization;
using Fleet.Shared.Serialization;

namespace Fleet.Shared.Tests.Serialization;

/// <summary>
/// What is already stored must stay readable: one sample of every persisted event and snapshot is serialised as the
/// journal stores it and compared with the checked-in JSON under <c>Fixtures/MANIFEST.json</c>, and each fixture is read
/// back. A changed shape (a renamed, removed or retyped field) fails here; a deliberate schema change gets a new
/// manifest (<c>.v2</c>) and a new fixture, and the old fixture keeps proving the old version still reads. To write
/// the fixture of a new type: <c>FLEET_WRITE_FIXTURES=1 ./fleet test --filter StoredEventFixtureTests</c>, then review it.
/// </summary>
public sealed class StoredEventFixtureTests(SerializationFixture fixture) : IClassFixture<SerializationFixture>
{
    private static readonly string Dir = Path.Combine(SourceDir(), "Fixtures");

    public static IEnumerable<object[]> Samples() => ProtocolSamples.Events().Select(e => new object[] { e.GetType().Name, e });

    [Theory]
    [MemberData(nameof(Samples))]
    public void Every_stored_type_keeps_its_json_shape_and_its_fixture_reads_back(string typeName, object sample)
    {
        var serializer = (SerializerWithStringManifest)fixture.System.Serialization.FindSerializerFor(sample);
        var manifest = serializer.Manifest(sample);
        var stored = serializer.ToBinary(sample);
        var path = Path.Combine(Dir, manifest + ".json");
        if (!File.Exists(path) && Environment.GetEnvironmentVariable("FLEET_WRITE_FIXTURES") == "1")
            File.WriteAllText(path, JsonNode.Parse(stored)!.ToJsonString(FleetJson.Indented) + "\n");
        Assert.True(File.Exists(path), $"{typeName} ({manifest}) has no fixture {path}; write it with FLEET_WRITE_FIXTURES=1 and review it");

        var expected = JsonNode.Parse(File.ReadAllText(path));
        var actual = JsonNode.Parse(stored);
        Assert.True(JsonNode.DeepEquals(expected, actual),
            $"{manifest} ({typeName}) is stored in another shape than its fixture: a stored {manifest} would no longer read the same. " +
            $"Keep the shape, or give the type a new manifest and a new fixture.\nfixture: {expected!.ToJsonString()}\nnow:     {actual!.ToJsonString()}");

        var back = serializer.FromBinary(Encoding.UTF8.GetBytes(File.ReadAllText(path)), manifest);
        Assert.IsType(sample.GetType(), back);
        Assert.Equal(JsonSerializer.Serialize(sample, sample.GetType(), FleetJson.Options), JsonSerializer.Serialize(back, back.GetType(), FleetJson.Options));
    }

    [Fact]
    public void Every_fixture_belongs_to_a_stored_type()
    {
        // A fixture whose manifest no type carries any more means a stored event that nothing can read.
        var known = FleetEventSerializer.KnownTypes.Select(t => ((PersistedAsAttribute)Attribute.GetCustomAttribute(t, typeof(PersistedAsAttribute))!).Manifest).ToHashSet();
        var orphans = Directory.GetFiles(Dir, "*.json").Select(Path.GetFileNameWithoutExtension).Where(m => !known.Contains(m!)).ToList();
        Assert.True(orphans.Count == 0, "fixtures without a type that reads them: " + string.Join(", ", orphans));
    }

    private static string SourceDir([CallerFilePath] string file = "") => Path.GetDirectoryName(file)!;
}
