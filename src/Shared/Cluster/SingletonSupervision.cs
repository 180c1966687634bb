using Akka.Actor;
using Akka.Pattern;

namespace Fleet.Shared.Cluster;

/// <summary>
/// How every persistent cluster singleton runs: under a backoff supervisor. A persistent actor stops when a journal
/// write or its recovery fails (a database that is away); the supervisor starts it again after 0.2 s, doubling up to
/// 10 s (±20 %), so the singleton comes back by itself once the database answers, without a new hand-over.
/// </summary>
public static class SingletonSupervision
{
    public static readonly TimeSpan MinBackoff = TimeSpan.FromMilliseconds(200);
    public static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(10);

    /// <param name="child">The singleton actor itself.</param>
    /// <param name="childName">Its name under the supervisor (part of its actor path and of audit entries it writes).</param>
    public static Props Props(Props child, string childName) =>
        BackoffSupervisor.Props(Backoff.OnStop(child, childName, MinBackoff, MaxBackoff, 0.2, maxNrOfRetries: -1));
}
