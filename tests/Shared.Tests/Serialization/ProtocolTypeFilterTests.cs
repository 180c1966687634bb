using Fleet.Shared.Devices;
using Fleet.Shared.Serialization;

namespace Fleet.Shared.Tests.Serialization;

public sealed class ProtocolTypeFilterTests
{
    private readonly ProtocolTypeFilter _filter = ProtocolTypeFilter.ForFleet();

    [Fact]
    public void Protocol_types_and_collections_of_them_are_allowed()
    {
        Assert.True(_filter.IsAllowed(typeof(DeviceCommands.Register).AssemblyQualifiedName!));
        Assert.True(_filter.IsAllowed(typeof(Dictionary<string, string>).AssemblyQualifiedName!));
        Assert.True(_filter.IsAllowed(typeof(List<DeviceFacts>).AssemblyQualifiedName!));
    }

    [Theory]
    [InlineData(typeof(System.IO.FileInfo))]
    [InlineData(typeof(List<System.IO.FileInfo>))]
    [InlineData(typeof(Dictionary<string, System.Diagnostics.Process>))]
    [InlineData(typeof(ConfiguredSerializersTests.NotOnTheList))]
    public void Anything_else_is_refused_even_inside_a_generic(Type type) =>
        Assert.False(_filter.IsAllowed(type.AssemblyQualifiedName!));
}
