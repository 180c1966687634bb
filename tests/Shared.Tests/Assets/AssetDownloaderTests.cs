using System.Security.Cryptography;
using Fleet.Shared.Assets;
using Fleet.Shared.Cli;
using Fleet.Shared.Manifests;
using Fleet.Shared.Tests.Support;

namespace Fleet.Shared.Tests.Assets;

public sealed class AssetDownloaderTests : IDisposable
{
    private const int Size = 1_000_000;
    private const int Half = Size / 2;
    private static readonly byte[] Content = RandomBytes(Size, 42);
    private static readonly string Sha = Convert.ToHexStringLower(SHA256.HashData(Content));
    private static readonly DownloadOptions Fast = new() { RetryDelay = TimeSpan.FromMilliseconds(10) };
    private readonly TempDir _dir = new();
    private readonly ContentStore _store;
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(20) };

    public AssetDownloaderTests() => _store = new ContentStore(_dir.File("store"));

    public void Dispose()
    {
        _http.Dispose();
        _dir.Dispose();
    }

    private static byte[] RandomBytes(int n, int seed) { var b = new byte[n]; new Random(seed).NextBytes(b); return b; }

    private static ManifestAsset Asset(TestHttpServer server, string? sha = null) => new("hero.mp4", sha ?? Sha, Size, server.BaseUrl + "hero.mp4");

    private AssetDownloader Downloader() => new(_http, _store);

    private byte[] Stored(string sha) => File.ReadAllBytes(_store.PathOf(sha));

    [Fact]
    public async Task Downloads_with_bearer_token_and_reports_progress()
    {
        await using var server = new TestHttpServer((s, ctx, _) => s.ServeRangeAsync(ctx, Content));
        var seen = new List<DownloadProgress>();

        var info = await Downloader().DownloadAsync(Asset(server), Fast with { BearerToken = "device-token", Progress = seen.Add });

        Assert.Equal(new ContentInfo(Sha, Size), info);
        Assert.Equal(Content, Stored(Sha));
        Assert.Equal("Bearer device-token", server.AuthorizationHeaders.Single());
        Assert.Equal(new DownloadProgress("hero.mp4", Size, Size), seen[^1]);
        Assert.False(File.Exists(_store.PartPathOf(Sha)));
        // Already stored: no second request.
        await Downloader().DownloadAsync(Asset(server), Fast);
        Assert.Equal(1, server.Requests);
    }

    [Fact]
    public async Task Resumes_with_a_range_request_after_the_connection_drops_half_way()
    {
        await using var server = new TestHttpServer((s, ctx, n) => s.ServeRangeAsync(ctx, Content, dropAfter: n == 1 ? Half : null));

        var info = await Downloader().DownloadAsync(Asset(server), Fast);

        Assert.Equal(Sha, info.Sha256);
        Assert.Equal(Content, Stored(Sha));
        Assert.Equal(2, server.Requests);
        Assert.Null(server.RangeHeaders[0]);
        Assert.Equal($"bytes={Half}-", server.RangeHeaders[1]);
        Assert.InRange(server.BytesServed, Size, Size + 1024); // the first half was not fetched again
    }

    [Fact]
    public async Task A_failed_call_leaves_only_a_part_file_and_the_next_call_resumes_it()
    {
        await using var server = new TestHttpServer((s, ctx, n) => s.ServeRangeAsync(ctx, Content, dropAfter: n == 1 ? Half : null));

        var e = await Assert.ThrowsAsync<FleetException>(() => Downloader().DownloadAsync(Asset(server), Fast with { MaxAttempts = 1 }));
        Assert.Contains("hero.mp4", e.Message);
        Assert.False(_store.Has(Sha));
        Assert.False(File.Exists(_store.PathOf(Sha)));
        Assert.Equal(Half, new FileInfo(_store.PartPathOf(Sha)).Length);

        await Downloader().DownloadAsync(Asset(server), Fast with { MaxAttempts = 1 });

        Assert.Equal(Content, Stored(Sha));
        Assert.Equal($"bytes={Half}-", server.RangeHeaders[1]);
        Assert.InRange(server.BytesServed, Size, Size + 1024);
    }

    [Fact]
    public async Task A_server_answering_200_to_a_range_request_restarts_from_the_first_byte()
    {
        // Ignores Range entirely: first attempt is cut half-way, the retry gets the whole body with 200.
        await using var server = new TestHttpServer((s, ctx, n) => s.ServeAsync(ctx, Content, dropAfter: n == 1 ? Half : null));

        var info = await Downloader().DownloadAsync(Asset(server), Fast);

        Assert.Equal(Sha, info.Sha256);
        Assert.Equal(Content, Stored(Sha));
        Assert.Equal($"bytes={Half}-", server.RangeHeaders[1]);
        Assert.Equal(Half + Size, server.BytesServed);
    }

    [Fact]
    public async Task Hash_mismatch_is_rejected_and_nothing_is_kept()
    {
        var wrong = RandomBytes(Size, 7);
        await using var server = new TestHttpServer((s, ctx, _) => s.ServeRangeAsync(ctx, wrong));

        var e = await Assert.ThrowsAsync<FleetException>(() => Downloader().DownloadAsync(Asset(server), Fast));

        Assert.Contains("sha256 mismatch", e.Message);
        Assert.False(_store.Has(Sha));
        Assert.False(File.Exists(_store.PartPathOf(Sha)));
        Assert.Empty(Directory.EnumerateFiles(_store.Root, "*", SearchOption.AllDirectories));
        Assert.Equal(1, server.Requests); // corrupt content is not retried
    }

    [Fact]
    public async Task Size_mismatch_is_rejected_before_downloading_the_body()
    {
        await using var server = new TestHttpServer((s, ctx, _) => s.ServeRangeAsync(ctx, Content[..1000]));

        var e = await Assert.ThrowsAsync<FleetException>(() => Downloader().DownloadAsync(Asset(server), Fast));

        Assert.Contains("1000 bytes", e.Message);
        Assert.False(File.Exists(_store.PartPathOf(Sha)));
    }

    [Fact]
    public async Task Http_errors_are_clear_and_client_errors_are_not_retried()
    {
        await using var server = new TestHttpServer((_, ctx, _) =>
        {
            ctx.Response.StatusCode = 404;
            ctx.Response.Close();
            return Task.CompletedTask;
        });

        var e = await Assert.ThrowsAsync<FleetException>(() => Downloader().DownloadAsync(Asset(server), Fast));

        Assert.Contains("404", e.Message);
        Assert.Equal(1, server.Requests);
    }

    [Fact]
    public async Task Server_errors_are_retried()
    {
        await using var server = new TestHttpServer((s, ctx, n) =>
        {
            if (n > 1) return s.ServeRangeAsync(ctx, Content);
            ctx.Response.StatusCode = 503;
            ctx.Response.Close();
            return Task.CompletedTask;
        });

        await Downloader().DownloadAsync(Asset(server), Fast);

        Assert.Equal(Content, Stored(Sha));
        Assert.Equal(2, server.Requests);
    }
}
