using Fleet.Shared.Serialization;

namespace Fleet.Shared.RenderJobs;

/// <summary>
/// The render job ledger in a snapshot: the jobs still kept (finished ones leave after their retention), budgets, the
/// usage of the days still counted and the number of jobs ever accepted (job ids go on from it). <see cref="Keys"/> maps
/// each kept job's key to its id: the key is made from the submitted text, which the ledger keeps only as hashes.
/// </summary>
[PersistedAs("render-ledger-snapshot.v1")]
public sealed record RenderLedgerSnapshot(
    IReadOnlyList<RenderJobView> Jobs,
    IReadOnlyList<RenderLedgerSnapshot.Budget> Budgets,
    IReadOnlyList<RenderLedgerSnapshot.DayUsage> Usage,
    long Accepted,
    IReadOnlyDictionary<string, string>? Keys = null) : IFleetEvent
{
    public sealed record Budget(string CampaignId, int? RendersPerDay, double? RenderSecondsPerDay, int? DeviceJobs);

    public sealed record DayUsage(string CampaignId, string Day, int Renders, double RenderSeconds);
}
