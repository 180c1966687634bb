using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Fleet.Shared.Serialization;

namespace Fleet.Shared.RenderJobs;

/// <summary>
/// What a device asks a cloud render worker to make: a campaign version at a height, with the copy and voice line the
/// device already chose. Never the context or any user data: only approved copy and slot values travel.
/// </summary>
/// <param name="Base">Hybrid mode: not an ad but the campaign's base at <paramref name="Height"/> — its template prepared at that
/// size (normalised footage cut at keyframes, music, assets) — on which the device renders its personalised ranges itself.</param>
public sealed record RenderJobSpec(string CampaignId, int CampaignVersion, int Height, IReadOnlyDictionary<string, string> Fields, string? VoiceLine,
    bool Base = false) : IFleetProtocol
{
    /// <summary>
    /// The job key: the same device asking for the same render gets the same job (and the same MP4). A base holds no
    /// copy of anyone's, so one base job per campaign version and height serves every device (each with its own token).
    /// </summary>
    public string KeyFor(string deviceId)
    {
        var canonical = JsonSerializer.Serialize(new object?[]
        {
            Base ? "" : deviceId, CampaignId, CampaignVersion, Height, Fields.OrderBy(f => f.Key, StringComparer.Ordinal).Select(f => new[] { f.Key, f.Value }), VoiceLine,
            Base ? "base" : null,
        });
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)))[..32];
    }
}

public enum RenderJobStatus { Queued, Running, Done, Failed }

/// <summary>One job as the ledger knows it.</summary>
public sealed record RenderJobView(string JobId, string DeviceId, RenderJobSpec Spec, RenderJobStatus Status, int Attempts, string? Worker,
    string? Encoder, string? Sha256, long? Size, double? RenderSeconds, string? Error, IReadOnlyList<string> AttemptErrors,
    DateTimeOffset AcceptedAt, DateTimeOffset? FinishedAt) : IFleetProtocol;

/// <summary>
/// A campaign's use of the render budget on one UTC day, and its limits (null: no limit); <see cref="DeviceJobs"/> is
/// how many unfinished cloud renders of the campaign one device may have.
/// </summary>
public sealed record RenderUsageView(string CampaignId, string Day, int Renders, double RenderSeconds, int? RendersPerDay, double? RenderSecondsPerDay,
    int DeviceJobs) : IFleetProtocol;

/// <summary>Requests to the render scheduler singleton (devices through the API, workers on render nodes).</summary>
public static class RenderSchedulerCommands
{
    /// <summary>Accept (or find, by its key) a job; refused when the campaign or device is over budget.</summary>
    /// <param name="TraceParent">The W3C trace context of the API request, so the job joins the device's trace (tracing only).</param>
    public sealed record Submit(string DeviceId, RenderJobSpec Spec, bool AllowCloud = true, string? TraceParent = null) : IFleetProtocol;

    /// <summary>Answered with the <see cref="RenderJobView"/>, or <see cref="Commands.Refused"/> (not found).</summary>
    public sealed record GetJob(string JobId) : IFleetProtocol;

    public sealed record ListJobs(string? CampaignId) : IFleetProtocol;

    /// <summary>Replaces a campaign's budget: null limits lift them, a null <see cref="DeviceJobs"/> restores the default.</summary>
    public sealed record SetBudget(string CampaignId, int? RendersPerDay, double? RenderSecondsPerDay, string By, int? DeviceJobs = null) : IFleetProtocol;

    /// <summary>
    /// A worker's pull: its capacity, the jobs it is running now and results not yet acknowledged. Sent at start, after
    /// every job and every few seconds, so a new scheduler learns who runs what. The scheduler never assigns a worker
    /// more jobs than <see cref="Slots"/> minus what the ledger has running there.
    /// </summary>
    public sealed record WorkerPull(string WorkerId, int Slots, string Encoder, bool Gpu, IReadOnlyList<string> Running) : IFleetProtocol;

    public sealed record WorkDone(string WorkerId, string JobId, int Attempt, string Sha256, long Size, double RenderSeconds, string Encoder) : IFleetProtocol;

    public sealed record WorkFailed(string WorkerId, string JobId, int Attempt, string Reason) : IFleetProtocol;
}

/// <summary>Answers of the render scheduler.</summary>
public static class RenderSchedulerReplies
{
    public sealed record Accepted(RenderJobView Job, bool Created) : IFleetProtocol;

    public sealed record JobList(IReadOnlyList<RenderJobView> Jobs, IReadOnlyList<RenderUsageView> Usage) : IFleetProtocol;

    public sealed record BudgetSet(RenderUsageView Usage) : IFleetProtocol;

    /// <summary>Scheduler to worker: render this attempt of this job (<see cref="TraceParent"/>: the job's scheduling span, when traced).</summary>
    public sealed record Assign(string JobId, int Attempt, RenderJobSpec Spec, string? TraceParent = null) : IFleetProtocol;

    /// <summary>The result of this attempt is in the ledger; the worker may forget it.</summary>
    public sealed record WorkAcked(string JobId, int Attempt) : IFleetProtocol;
}

/// <summary>Persisted events of the render job ledger.</summary>
public static class RenderJobEvents
{
    /// <summary>Accepted and charged to <see cref="Day"/> (UTC, yyyy-MM-dd) of its campaign's budget; one per job key.</summary>
    [PersistedAs("render-job-accepted.v1")]
    public sealed record Accepted(string JobId, string Key, string DeviceId, RenderJobSpec Spec, string Day, DateTimeOffset At) : IFleetEvent;

    [PersistedAs("render-job-assigned.v1")]
    public sealed record Assigned(string JobId, int Attempt, string WorkerId, DateTimeOffset At) : IFleetEvent;

    [PersistedAs("render-job-completed.v1")]
    public sealed record Completed(string JobId, int Attempt, string WorkerId, string Sha256, long Size, double RenderSeconds, string Encoder, DateTimeOffset At)
        : IFleetEvent;

    /// <summary>An attempt failed (the worker reported it, or the worker was lost); the third ends the job.</summary>
    [PersistedAs("render-job-attempt-failed.v1")]
    public sealed record AttemptFailed(string JobId, int Attempt, string Reason, DateTimeOffset At) : IFleetEvent;

    [PersistedAs("render-budget-set.v1")]
    public sealed record BudgetSet(string CampaignId, int? RendersPerDay, double? RenderSecondsPerDay, string By, DateTimeOffset At, int? DeviceJobs = null)
        : IFleetEvent;
}

/// <summary>
/// The output of a base job: the prepared template's descriptor (<c>prepared.json</c>) and every file it names, by file
/// name, as sha256 in the content store; a device fetches each through <c>/api/v1/renders/jobs/{id}/files/{sha256}</c>.
/// </summary>
public sealed record BaseBundle(string Descriptor, IReadOnlyDictionary<string, string> Files)
{
    public const string MediaType = "application/vnd.fleet.base-bundle+json";
}
