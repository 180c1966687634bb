using System.Collections.Concurrent;
using Fleet.Integration.Tests.Tracing.Otlp;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Fleet.Integration.Tests.Tracing;

/// <summary>
/// A real OTLP/HTTP trace receiver on loopback (what a collector's port 4318 does): accepts protobuf exports at
/// <c>/v1/traces</c> and keeps every span with the service that sent it.
/// </summary>
public sealed class OtlpReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<ReceivedSpan> _spans = new();

    private OtlpReceiver(WebApplication app, string url)
    {
        _app = app;
        Url = url;
    }

    /// <summary>The endpoint to give as <c>--otlp-endpoint</c>.</summary>
    public string Url { get; }

    public IReadOnlyList<ReceivedSpan> Spans => _spans.ToArray();

    public static async Task<OtlpReceiver> StartAsync()
    {
        var url = $"http://127.0.0.1:{Ports.Free()}";
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls(url);
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var receiver = new OtlpReceiver(app, url);
        app.MapPost("/v1/traces", async (HttpContext ctx) =>
        {
            using var body = new MemoryStream();
            await ctx.Request.Body.CopyToAsync(body);
            receiver.Take(ExportTraceServiceRequest.Parser.ParseFrom(body.ToArray()));
            // An empty ExportTraceServiceResponse: everything accepted.
            return Results.Bytes(Array.Empty<byte>(), "application/x-protobuf");
        });
        await app.StartAsync();
        return receiver;
    }

    private void Take(ExportTraceServiceRequest request)
    {
        foreach (var resource in request.ResourceSpans)
        {
            var service = resource.Resource?.Attributes.FirstOrDefault(a => a.Key == "service.name")?.Value?.StringValue ?? "";
            foreach (var span in resource.ScopeSpans.SelectMany(s => s.Spans))
                _spans.Enqueue(new ReceivedSpan(service, Convert.ToHexStringLower(span.TraceId.Span), Convert.ToHexStringLower(span.SpanId.Span),
                    span.ParentSpanId.IsEmpty ? null : Convert.ToHexStringLower(span.ParentSpanId.Span), span.Name,
                    span.Attributes.ToDictionary(a => a.Key, a => a.Value?.ValueCase switch
                    {
                        AnyValue.ValueOneofCase.StringValue => a.Value.StringValue,
                        AnyValue.ValueOneofCase.IntValue => a.Value.IntValue.ToString(System.Globalization.CultureInfo.InvariantCulture),
                        _ => a.Value?.ToString() ?? "",
                    })));
        }
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}

/// <summary>One exported span: who sent it, where it sits in its trace, and its attributes as text.</summary>
public sealed record ReceivedSpan(string Service, string TraceId, string SpanId, string? ParentSpanId, string Name, IReadOnlyDictionary<string, string> Attributes);
