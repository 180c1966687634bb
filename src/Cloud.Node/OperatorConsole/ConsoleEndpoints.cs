namespace Fleet.Cloud.OperatorConsole;

/// <summary>
/// The operator console at <c>/console</c>: a few static files (HTML, CSS, ES modules) embedded in this binary, so it
/// works on an offline control plane with no CDN and no build step. Everything it shows and does goes through
/// <c>/api/v1</c> with the signed-in token, so the API's role checks and audit log apply unchanged.
/// </summary>
public static class ConsoleEndpoints
{
    private const string ResourcePrefix = "Fleet.Cloud.OperatorConsole.assets.";

    /// <summary>Only this origin: no inline script or style, no framing, so text from the API can never become code.</summary>
    public const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; media-src blob:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    private static readonly Dictionary<string, string> ContentTypes = new(StringComparer.Ordinal)
    {
        [".html"] = "text/html; charset=utf-8",
        [".js"] = "text/javascript; charset=utf-8",
        [".css"] = "text/css; charset=utf-8",
        [".svg"] = "image/svg+xml",
    };

    /// <summary>Every embedded asset by its path under <c>/console/</c> (index.html is also <c>/console</c> itself).</summary>
    public static IReadOnlyDictionary<string, (byte[] Body, string ContentType)> Assets { get; } = Load();

    public static void MapConsole(this WebApplication app)
    {
        app.MapGet("/console", (HttpResponse r) => Serve(r, "index.html")).ExcludeFromDescription();
        app.MapGet("/console/{*file}", (string? file, HttpResponse r) => Serve(r, string.IsNullOrEmpty(file) ? "index.html" : file)).ExcludeFromDescription();
    }

    private static IResult Serve(HttpResponse response, string file)
    {
        if (!Assets.TryGetValue(file, out var asset)) return Results.NotFound();
        response.Headers.ContentSecurityPolicy = ContentSecurityPolicy;
        response.Headers.XContentTypeOptions = "nosniff";
        response.Headers["Referrer-Policy"] = "no-referrer";
        // no-cache: an open console picks up an upgraded node's files at its next load.
        response.Headers.CacheControl = "no-cache";
        return Results.Bytes(asset.Body, asset.ContentType);
    }

    private static Dictionary<string, (byte[], string)> Load()
    {
        var assembly = typeof(ConsoleEndpoints).Assembly;
        var assets = new Dictionary<string, (byte[], string)>(StringComparer.Ordinal);
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal)))
        {
            var path = name[ResourcePrefix.Length..];
            using var stream = assembly.GetManifestResourceStream(name)!;
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            assets[path] = (copy.ToArray(), ContentTypes.GetValueOrDefault(Path.GetExtension(path), "application/octet-stream"));
        }
        if (!assets.ContainsKey("index.html")) throw new InvalidOperationException("the console's index.html is not embedded in fleet-cloud");
        return assets;
    }
}
