namespace Fleet.Cloud.Telemetry;

/// <summary>
/// Hook for rollouts: which cohort a device's telemetry counts for when it arrives (<c>canary</c> or <c>baseline</c>).
/// The default puts every device in the baseline; the rollout service registers its own resolver in DI.
/// </summary>
public interface ICohortResolver
{
    string CohortOf(string deviceId, IReadOnlyDictionary<string, string> tags);
}

public sealed class CohortResolver : ICohortResolver
{
    public const string Baseline = "baseline";
    public const string Canary = "canary";

    public string CohortOf(string deviceId, IReadOnlyDictionary<string, string> tags) => Baseline;
}
