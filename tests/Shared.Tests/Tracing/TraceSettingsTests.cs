using Fleet.Shared.Cli;
using Fleet.Shared.Tracing;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Trace;

namespace Fleet.Shared.Tests.Tracing;

/// <summary><c>--otlp-endpoint</c>: off unless given, checked when given, and nothing traced when off.</summary>
public sealed class TraceSettingsTests
{
    private static TraceSettings Parse(params string[] argv)
    {
        var command = new System.CommandLine.Command("agent");
        foreach (var option in TraceSettings.Declared) command.Options.Add(option);
        var parsed = command.Parse(argv);
        Assert.Empty(parsed.Errors);
        return TraceSettings.From(parsed);
    }

    [Fact]
    public void Tracing_is_off_unless_an_endpoint_is_given()
    {
        Assert.Null(Environment.GetEnvironmentVariable(TraceSettings.EndpointVariable));
        Assert.Null(Parse().Endpoint);
        Assert.Equal(new Uri("http://collector:4318"), Parse("--otlp-endpoint", "http://collector:4318").Endpoint);
    }

    [Theory]
    [InlineData("collector:4318")]
    [InlineData("ftp://collector")]
    [InlineData("not a url")]
    public void An_endpoint_that_is_not_an_http_url_is_refused_in_one_line(string endpoint)
    {
        var e = Assert.Throws<UsageException>(() => Parse("--otlp-endpoint", endpoint));
        Assert.Equal($"--otlp-endpoint '{endpoint}' is not an http:// or https:// URL", e.Message);
    }

    [Fact]
    public void Without_an_endpoint_no_tracer_provider_exists_and_with_one_it_does()
    {
        using var off = Build(new TraceSettings());
        Assert.Null(off.GetService<TracerProvider>());

        using var on = Build(new TraceSettings(new Uri("http://127.0.0.1:4318")));
        Assert.NotNull(on.GetService<TracerProvider>());
    }

    private static ServiceProvider Build(TraceSettings settings)
    {
        // A host registers configuration; the tracer provider reads its OTEL_* settings from it.
        var services = new ServiceCollection().AddSingleton<Microsoft.Extensions.Configuration.IConfiguration>(
            new Microsoft.Extensions.Configuration.ConfigurationBuilder().Build());
        settings.Apply(new Builder(services), FleetTraces.Cloud);
        return services.BuildServiceProvider();
    }

    /// <summary>What the hosts' AddOpenTelemetry() hands to <see cref="TraceSettings.Apply"/>: the services it registers into.</summary>
    private sealed class Builder(IServiceCollection services) : IOpenTelemetryBuilder
    {
        public IServiceCollection Services => services;
    }
}
