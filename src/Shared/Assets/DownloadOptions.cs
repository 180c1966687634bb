namespace Fleet.Shared.Assets;

/// <summary>How <see cref="AssetDownloader"/> fetches one asset: credentials, progress reporting and retries.</summary>
public sealed record DownloadOptions
{
    /// <summary>Sent as <c>Authorization: Bearer …</c> (device token or signed URL token).</summary>
    public string? BearerToken { get; init; }

    /// <summary>Called after every chunk written, on the downloading thread; keep it cheap.</summary>
    public Action<DownloadProgress>? Progress { get; init; }

    /// <summary>Attempts per call; each retry resumes from the bytes already on disk.</summary>
    public int MaxAttempts { get; init; } = 3;

    /// <summary>The pause after the first failed attempt; it doubles after each further one.</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>RetryDelay, doubling up to the longest pause the old linear schedule reached (RetryDelay · (MaxAttempts − 1)).</summary>
    internal Resilience.Backoff Backoff => new(RetryDelay, RetryDelay * Math.Max(1, MaxAttempts - 1));
}

/// <summary>Bytes of an asset held so far (including those resumed from an earlier attempt) out of its size.</summary>
public readonly record struct DownloadProgress(string Name, long BytesDone, long TotalBytes);
