using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using Fleet.Shared.Cli;
using Fleet.Shared.Manifests;

namespace Fleet.Shared.Assets;

/// <summary>
/// Fetches manifest assets into a <see cref="ContentStore"/>. Bytes land in <c>&lt;sha&gt;.part</c> (resumed with a Range
/// request after a dropped connection) and reach the store only once their size and sha256 match the manifest.
/// </summary>
public sealed class AssetDownloader(HttpClient http, ContentStore store)
{
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _locks = new(StringComparer.Ordinal);

    public async Task<ContentInfo> DownloadAsync(ManifestAsset asset, DownloadOptions? options = null, CancellationToken ct = default)
    {
        options ??= new DownloadOptions();
        if (!ContentStore.IsSha256(asset.Sha256)) throw new FleetException($"asset {asset.Name}: '{asset.Sha256}' is not a sha256 digest");
        if (asset.Size < 0) throw new FleetException($"asset {asset.Name}: negative size");
        // One writer per part file; a second caller for the same content waits and then finds it stored.
        var gate = _locks.GetOrAdd(asset.Sha256, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(ct);
        try
        {
            for (var attempt = 1; ; attempt++)
            {
                if (store.Has(asset.Sha256)) return new ContentInfo(asset.Sha256, asset.Size);
                try
                {
                    return await AttemptAsync(asset, options, ct);
                }
                catch (Exception e) when (IsTransient(e) && !ct.IsCancellationRequested)
                {
                    if (attempt >= Math.Max(1, options.MaxAttempts))
                        throw new FleetException($"asset {asset.Name}: download from {asset.Url} failed after {attempt} attempt(s): {e.Message}", e);
                    await Task.Delay(options.Backoff.Delay(attempt), ct);
                }
            }
        }
        finally
        {
            gate.Release();
        }
    }

    private async Task<ContentInfo> AttemptAsync(ManifestAsset asset, DownloadOptions options, CancellationToken ct)
    {
        var part = store.PartPathOf(asset.Sha256);
        long have = File.Exists(part) ? new FileInfo(part).Length : 0;
        if (have > asset.Size) { File.Delete(part); have = 0; }
        if (have == asset.Size)
        {
            if (have == 0) await File.WriteAllBytesAsync(part, [], ct);
            return Finish(asset, part, null);
        }

        using var request = new HttpRequestMessage(HttpMethod.Get, asset.Url);
        if (options.BearerToken is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", options.BearerToken);
        if (have > 0) request.Headers.Range = new RangeHeaderValue(have, null);
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        var offset = StartOffset(asset, response, have, part);
        var expectedBody = asset.Size - offset;
        if (response.Content.Headers.ContentLength is { } length && length != expectedBody)
            throw Reject(asset, part, $"server announced {length} bytes from offset {offset}, the manifest says {asset.Size} in total");

        string sha;
        await using (var file = new FileStream(part, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 81920, FileOptions.Asynchronous))
        {
            file.SetLength(offset);
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            await HashExistingAsync(file, hash, offset, ct);
            await using var body = await response.Content.ReadAsStreamAsync(ct);
            var done = offset;
            options.Progress?.Invoke(new DownloadProgress(asset.Name, done, asset.Size));
            var buffer = new byte[81920];
            int read;
            while ((read = await body.ReadAsync(buffer, ct)) > 0)
            {
                if (done + read > asset.Size)
                {
                    await file.DisposeAsync();
                    throw Reject(asset, part, $"server sent more than the {asset.Size} bytes the manifest lists");
                }
                await file.WriteAsync(buffer.AsMemory(0, read), ct);
                hash.AppendData(buffer, 0, read);
                done += read;
                options.Progress?.Invoke(new DownloadProgress(asset.Name, done, asset.Size));
            }
            await file.FlushAsync(ct);
            file.Flush(flushToDisk: true);
            if (done < asset.Size) throw new IOException($"response ended after {done} of {asset.Size} bytes");
            sha = Convert.ToHexStringLower(hash.GetHashAndReset());
        }
        return Finish(asset, part, sha);
    }

    /// <summary>Where this response's body starts in the file: the resume point for a matching 206, zero for a full 200.</summary>
    private static long StartOffset(ManifestAsset asset, HttpResponseMessage response, long have, string part)
    {
        if (response.StatusCode == HttpStatusCode.PartialContent)
        {
            var range = response.Content.Headers.ContentRange;
            if (range?.From == have) return have;
            File.Delete(part); // a range we did not ask for: start over rather than splice unknown bytes
            throw new IOException($"server answered a range starting at {range?.From} instead of {have}; restarting");
        }
        if (response.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable)
        {
            File.Delete(part);
            throw new IOException("server refused to resume; restarting from the first byte");
        }
        if (response.IsSuccessStatusCode) return 0; // 200 to a Range request means the whole body: rewrite from zero
        var status = $"{(int)response.StatusCode} {response.ReasonPhrase}";
        if ((int)response.StatusCode >= 500 || response.StatusCode is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests)
            throw new HttpRequestException($"server answered {status}", null, response.StatusCode);
        throw new FleetException($"asset {asset.Name}: GET {asset.Url} answered {status}");
    }

    private static async Task HashExistingAsync(FileStream file, IncrementalHash hash, long length, CancellationToken ct)
    {
        file.Position = 0;
        var buffer = new byte[81920];
        long left = length;
        while (left > 0)
        {
            var read = await file.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, left)), ct);
            if (read == 0) throw new IOException("partial file shrank while resuming");
            hash.AppendData(buffer, 0, read);
            left -= read;
        }
        file.Position = length;
    }

    /// <summary>Last check before the atomic rename; <paramref name="actual"/> is the digest hashed while writing, if any.</summary>
    private ContentInfo Finish(ManifestAsset asset, string part, string? actual)
    {
        var size = new FileInfo(part).Length;
        if (size != asset.Size) throw Reject(asset, part, $"got {size} bytes, the manifest says {asset.Size}");
        if (actual is null)
            using (var stream = File.OpenRead(part)) actual = Convert.ToHexStringLower(SHA256.HashData(stream));
        if (actual != asset.Sha256) throw Reject(asset, part, $"sha256 mismatch: expected {asset.Sha256}, got {actual}");
        store.Commit(part, asset.Sha256);
        return new ContentInfo(asset.Sha256, asset.Size);
    }

    /// <summary>Bad content is never kept for resuming: the part file goes and the caller gets a clear error.</summary>
    private static FleetException Reject(ManifestAsset asset, string part, string why)
    {
        File.Delete(part);
        return new FleetException($"asset {asset.Name} from {asset.Url} rejected: {why}");
    }

    private static bool IsTransient(Exception e) => e is IOException or HttpRequestException or Polly.Timeout.TimeoutRejectedException
        || (e is TaskCanceledException && e.InnerException is TimeoutException);
}
