namespace Fleet.Edge.Rendering;

/// <summary>How the edge render pipeline is set up; one instance per process.</summary>
public sealed record RenderSettings
{
    /// <summary>The personalisation model as the kill-switch names it.</summary>
    public string ModelArtifact { get; init; } = "all-minilm-l6-v2@1.0.0";
    public required string DataDir { get; init; }
    public string WorkDir => Path.Combine(DataDir, "renders", "work");
    public string CacheDir => Path.Combine(DataDir, "renders", "cache");
    public string PreparedDir => Path.Combine(DataDir, "prepared");
    public long CacheBytes { get; init; } = 512L * 1024 * 1024;
    /// <summary>Hard limit of one render; beyond it the ad falls back to the static creative.</summary>
    public TimeSpan Deadline { get; init; } = TimeSpan.FromSeconds(20);
    /// <summary>How long a render waits for this session's kill-policy sync before using the last enforced policy (offline).</summary>
    public TimeSpan PolicySyncWait { get; init; } = TimeSpan.FromSeconds(3);
    public string? FfmpegPath { get; init; }
    /// <summary>Encoders already proven on this device (the agent probes once at start); null probes again.</summary>
    public IReadOnlyList<string>? Encoders { get; init; }
    public string? EspeakPath { get; init; }
    /// <summary>The tallest render this device makes itself; taller ones are delegated to the cloud.</summary>
    public int MaxLocalHeight { get; init; } = 720;
    /// <summary>Resource pressure above which renders are delegated to the cloud too.</summary>
    public ResourcePressure Pressure { get; init; } = new();
    /// <summary>How long a delegated render may take from request to MP4 on the device before the device renders locally.</summary>
    public TimeSpan CloudWait { get; init; } = TimeSpan.FromSeconds(60);
    /// <summary>The ffmpeg runner every render stage of this device uses (one process limit for each call).</summary>
    public Fleet.Shared.Rendering.FfmpegRunner NewFfmpegRunner() => new(FfmpegPath, TimeSpan.FromMinutes(2));

    /// <summary>How long the local API waits for any render, delegated ones included.</summary>
    public TimeSpan ReplyTimeout => Deadline + CloudWait + TimeSpan.FromSeconds(5);
}
