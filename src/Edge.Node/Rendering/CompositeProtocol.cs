using Fleet.Shared.Rendering;

namespace Fleet.Edge.Rendering;

/// <summary>Messages of the composite actor.</summary>
public static class CompositeProtocol
{
    /// <summary>Render <paramref name="Request"/> over <paramref name="Prepared"/> to <paramref name="OutputPath"/>; <paramref name="StaticCreativePath"/> is the last resort.</summary>
    public sealed record Compose(PreparedTemplate Prepared, RenderRequest Request, string OutputPath, string StaticCreativePath);

    /// <summary>
    /// The ad is at <paramref name="OutputPath"/>. <paramref name="Path"/> is fast, full or static-creative;
    /// <paramref name="Fallbacks"/> lists every step down the encoder chain, e.g. <c>composite:libx264:h264_vaapi-failed</c>.
    /// </summary>
    public sealed record Composed(string OutputPath, string Encoder, string Path, IReadOnlyList<StepTiming> Timings, double TotalMs,
        IReadOnlyList<string> Fallbacks);

    /// <summary>Not even the static creative could be written (e.g. the output folder is not writable).</summary>
    public sealed record CompositionFailed(string Reason, IReadOnlyList<string> Fallbacks);

    /// <summary>
    /// Start the fast path's processes for renders like <paramref name="Like"/> (one per grade) ahead of them. Answered with
    /// <see cref="WarmStepsLoaded"/> once they have loaded and wait for a render.
    /// </summary>
    public sealed record WarmSteps(PreparedTemplate Prepared, IReadOnlyList<RenderRequest> Like);

    /// <summary>The processes of <see cref="WarmSteps"/> wait for a render (<paramref name="Loaded"/>), or the wait for them ran out.</summary>
    public sealed record WarmStepsLoaded(bool Loaded);

    /// <summary>Stop every process waiting for a render: a quarantine deleted files they were started over.</summary>
    public sealed record StopWarmSteps
    {
        public static readonly StopWarmSteps Instance = new();
    }

    /// <summary>Internal: the encoder probe finished.</summary>
    internal sealed record EncodersProbed(IReadOnlyList<string> Encoders, string? FfmpegMissing);
}
