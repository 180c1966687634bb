using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Fleet.Cloud.Rollouts;

/// <summary>
/// Deterministic, sticky canary cohorts: eligible devices are ordered by <c>hash(device id, rollout id)</c>; stage p %
/// takes the first <c>ceil(p·N)</c>, so even a small fleet gets a canary, and a device chosen for an earlier stage
/// never leaves. Devices that join later fall into the same order.
/// </summary>
public static class Cohorts
{
    /// <summary>A device's place in [0, 1) for one rollout; the same inputs always give the same place.</summary>
    public static double Position(string deviceId, string rolloutId)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"{rolloutId}\n{deviceId}"));
        return BinaryPrimitives.ReadUInt64BigEndian(hash) / 18446744073709551616.0; // 2^64
    }

    public static IReadOnlyList<string> Order(IEnumerable<string> eligible, string rolloutId) =>
        eligible.Distinct(StringComparer.Ordinal).OrderBy(d => Position(d, rolloutId)).ThenBy(d => d, StringComparer.Ordinal).ToList();

    public static int SizeFor(double percent, int eligible) =>
        eligible == 0 ? 0 : Math.Clamp((int)Math.Ceiling(percent / 100.0 * eligible - 1e-9), 1, eligible);

    /// <summary>The cohort of a stage: the first ceil(p·N) of the order, plus everyone already in (stickiness).</summary>
    public static IReadOnlySet<string> Select(IEnumerable<string> eligible, string rolloutId, double percent, IEnumerable<string> alreadyIn)
    {
        var order = Order(eligible, rolloutId);
        var cohort = new HashSet<string>(order.Take(SizeFor(percent, order.Count)), StringComparer.Ordinal);
        cohort.UnionWith(alreadyIn);
        return cohort;
    }
}
