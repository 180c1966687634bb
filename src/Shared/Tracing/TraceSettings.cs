using System.CommandLine;
using Fleet.Shared.Cli;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Trace;

namespace Fleet.Shared.Tracing;

/// <summary>
/// Where a node sends its traces: <c>--otlp-endpoint URL</c> (or OTEL_EXPORTER_OTLP_ENDPOINT), off when neither is
/// given. OTLP over HTTP/protobuf to URL/v1/traces; OTEL_EXPORTER_OTLP_PROTOCOL=grpc sends OTLP/gRPC to URL instead.
/// </summary>
public sealed record TraceSettings(Uri? Endpoint = null, OtlpExportProtocol Protocol = OtlpExportProtocol.HttpProtobuf)
{
    public const string EndpointVariable = "OTEL_EXPORTER_OTLP_ENDPOINT";
    public const string ProtocolVariable = "OTEL_EXPORTER_OTLP_PROTOCOL";

    public static readonly Option<string?> EndpointOption = CliOption.Text("--otlp-endpoint",
        $"export traces over OTLP/HTTP protobuf to URL/v1/traces (a collector's port 4318, say); {EndpointVariable} when not given, " +
        $"{ProtocolVariable}=grpc for OTLP/gRPC to URL. Off by default: nothing is traced or sent", "URL");

    /// <summary>The declared options, for a command that takes them.</summary>
    public static Option[] Declared => [EndpointOption];

    public static TraceSettings From(ParseResult r) => From(r.GetValue(EndpointOption));

    private static TraceSettings From(string? given)
    {
        var text = given ?? (Environment.GetEnvironmentVariable(EndpointVariable) is { Length: > 0 } env ? env : null);
        if (text is null) return new TraceSettings();
        var from = given is null ? $" (from {EndpointVariable})" : "";
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            throw new UsageException($"--otlp-endpoint '{text}'{from} is not an http:// or https:// URL");
        var protocol = Environment.GetEnvironmentVariable(ProtocolVariable) switch
        {
            null or "" or "http/protobuf" => OtlpExportProtocol.HttpProtobuf,
            "grpc" => OtlpExportProtocol.Grpc,
            var other => throw new UsageException($"{ProtocolVariable} '{other}' is not http/protobuf or grpc"),
        };
        return new TraceSettings(uri, protocol);
    }

    /// <summary>
    /// Adds tracing to the node's OpenTelemetry (whose resource, service name and instance, the metrics set up already):
    /// <paramref name="source"/>'s spans and whatever <paramref name="more"/> adds, exported to the endpoint. Without an
    /// endpoint nothing is added: no tracer provider, no listener, no exporter.
    /// </summary>
    public IOpenTelemetryBuilder Apply(IOpenTelemetryBuilder otel, System.Diagnostics.ActivitySource source, Action<TracerProviderBuilder>? more = null)
    {
        if (Endpoint is not { } endpoint) return otel;
        return otel.WithTracing(t =>
        {
            t.AddSource(source.Name);
            more?.Invoke(t);
            t.AddOtlpExporter(x =>
            {
                x.Protocol = Protocol;
                // Given in code, the endpoint is used as is: the HTTP exporter posts to exactly this URL.
                x.Endpoint = Protocol == OtlpExportProtocol.HttpProtobuf ? new Uri(endpoint, endpoint.AbsolutePath.TrimEnd('/') + "/v1/traces") : endpoint;
                // A trace shows up in the collector within a second or so, not after the default five.
                x.BatchExportProcessorOptions.ScheduledDelayMilliseconds = 1000;
            });
        });
    }
}
