using Fleet.Edge.Cli;
using Fleet.Edge.Hosting;
using Fleet.Shared.Cli;

namespace Fleet.Edge.Node.Tests.Hosting;

/// <summary><c>fleet-edge agent</c>'s command line, as the deploy files and <c>./fleet demo</c> write it, through the real command.</summary>
public sealed class AgentCommandLineTests
{
    private static EdgeOptions Parse(params string[] argv)
    {
        var r = AgentVerb.Create().Parse(argv);
        Assert.Empty(r.Errors);
        return EdgeOptions.From(r);
    }

    [Fact]
    public void Repeated_and_inline_options_are_all_taken()
    {
        var o = Parse("--gateway", "gw-a:4443", "--gateway=gw-b:4443", "--tags=store=berlin,floor=2", "--data", "/tmp/a", "--data=/tmp/b",
            "--http", "8080", "--insecure-dev", "--cors-origin", "https://a.example", "--cors-origin", "http://localhost:8080", "--delegate-above-cpu", "90");
        Assert.Equal(["gw-a:4443", "gw-b:4443"], o.Gateways.Select(g => $"{g.Host}:{g.Port}"));
        Assert.Equal("berlin", o.Tags["store"]);
        Assert.Equal("2", o.Tags["floor"]);
        Assert.Equal("/tmp/b", o.DataDir);
        Assert.Equal(8080, o.HttpPort);
        Assert.True(o.InsecureDev);
        Assert.Equal(["https://a.example", "http://localhost:8080"], o.CorsOrigins);
        Assert.Equal(90, o.Pressure.CpuPercent);
    }

    [Fact]
    public void Defaults_hold_when_nothing_is_given()
    {
        var o = Parse();
        Assert.Equal(Path.GetFullPath("./data/edge"), o.DataDir);
        Assert.Equal("127.0.0.1", o.Host);
        Assert.Equal(720, o.MaxRenderHeight);
        Assert.Null(o.Pressure.CpuPercent);
        Assert.False(o.InsecureDev);
        Assert.Empty(o.Gateways);
    }

    [Theory]
    [InlineData("--join", "sideways", "--join 'sideways': use gateway or member")]
    [InlineData("--scrub-every", "soon", "--scrub-every 'soon' is not a duration of at least 1s (e.g. 12h, 1d)")]
    [InlineData("--renew-before", "2", "--renew-before '2' must be a fraction between 0 and 1 (for example 1/3, 0.25 or 25%)")]
    public void A_value_the_agent_cannot_use_is_a_usage_error(string option, string value, string message) =>
        Assert.Equal(message, Assert.Throws<UsageException>(() => Parse(option, value)).Message);

}
