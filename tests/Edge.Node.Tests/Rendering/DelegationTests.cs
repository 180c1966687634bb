using Fleet.Edge.Rendering;

namespace Fleet.Edge.Node.Tests.Rendering;

public sealed class DelegationTests
{
    [Theory]
    [InlineData("edge-first", 720, 720, null)]
    [InlineData("edge-first", 1080, 720, "1080p-over-720p")]
    [InlineData("cloud", 720, 720, "mode-cloud")]
    [InlineData("edge-first", 1080, 1080, null)]
    public void A_render_is_delegated_when_asked_or_when_it_exceeds_the_device(string mode, int height, int max, string? why) =>
        Assert.Equal(why, Delegation.Reason(mode, height, max));

    [Theory]
    [InlineData(85.0, 20.0, null, "pressure-thermal")]
    [InlineData(60.0, 99.0, null, null)]
    [InlineData(60.0, 99.0, 90.0, "pressure-cpu")]
    [InlineData(null, null, 90.0, null)]
    public void Resource_pressure_delegates_renders_the_device_could_otherwise_make(double? temperature, double? cpu, double? cpuLimit, string? why)
    {
        var pressure = new ResourcePressure(80, cpuLimit).Of(new Fleet.Shared.Telemetry.ResourceSample(DateTimeOffset.UtcNow, cpu, 900, 200, temperature));
        Assert.Equal(why, Delegation.Reason(Delegation.EdgeFirst, 720, 720, pressure));
    }

    [Fact]
    public void Delegated_and_fallback_renders_are_named_for_results_and_telemetry()
    {
        Assert.Equal("cloud:libx264", Delegation.CloudEncoder("libx264"));
        Assert.Equal("delegate:local-720p:budget", Fleet.Shared.Rendering.RenderFallback.LocalRender(720, "budget").ToString());
    }
}
