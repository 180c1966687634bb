using System.Reflection;
using Akka;
using Akka.Actor;
using Akka.Event;
using Akka.Util;

namespace Fleet.Shared.Cluster;

/// <summary>
/// Keeps a TLS node running when one of its outbound TLS handshakes fails. Akka.Remote (1.5.71 and later) answers such a
/// failure by shutting the whole node down: it blames its own configuration. Here the failure is far more often the
/// peer's: a member closing its transport mid-handshake as it leaves, a node whose certificate is no longer trusted, or a
/// certificate holder aborting handshakes on purpose to make every node that connects to it leave the cluster. The
/// connection is refused all the same (nothing is sent to an unverified peer); only the shutdown is stopped.
/// A node whose own certificate is the problem is not kept alive by this: no peer hears its heartbeats, and the
/// split-brain resolver downs it as it would any unreachable member.
/// </summary>
/// <remarks>
/// How: a first shutdown phase (<see cref="Phase"/>, <c>recover = off</c>, which Akka documents as "the shutdown is
/// aborted") fails when the reason is the transport's handshake failure, so no later phase runs. Akka's coordinated
/// shutdown runs only once per system, so the guard then re-arms it (two private fields, checked at start: an Akka
/// upgrade that renames them fails every TLS node's start, not a shutdown at 3 a.m.). A shutdown asked for in the instant
/// between the abort and the re-arm gets the aborted run's answer and does not run.
/// </remarks>
internal static class PeerHandshakeGuard
{
    /// <summary>Prefix of the line a node logs when it stays up after a peer's handshake failed.</summary>
    public const string LogPrefix = "kept running after a failed TLS handshake";

    public const string Phase = "fleet-peer-handshake-guard";

    public const string Hocon = $$"""
        akka.coordinated-shutdown.phases {
          {{Phase}} { timeout = 5s, recover = off }
          before-service-unbind.depends-on = [{{Phase}}]
        }
        """;

    // Internal to Akka.Remote; matched by name (the transport runs the shutdown with it).
    private const string TransportReason = "Akka.Remote.Transport.DotNetty.TlsHandshakeFailureReason";

    public static void Install(ActorSystem system)
    {
        var runStarted = Field("_runStarted", typeof(AtomicReference<CoordinatedShutdown.Reason>));
        var runPromise = Field("_runPromise", typeof(TaskCompletionSource<Done>));
        var shutdown = CoordinatedShutdown.Get(system);
        var log = Akka.Event.Logging.GetLogger(system, typeof(PeerHandshakeGuard));
        shutdown.AddTask(Phase, "refuse-shutdown-on-peer-handshake-failure", () =>
        {
            var reason = shutdown.ShutdownReason;
            if (reason?.GetType().FullName != TransportReason) return Task.FromResult(Done.Instance);
            log.Warning("{0}: {1}; the connection was refused, the node stays in the cluster", LogPrefix, reason);
            Rearm(shutdown, runStarted, runPromise);
            return Task.FromException<Done>(new InvalidOperationException($"{LogPrefix}: {reason}"));
        });
    }

    /// <summary>Once the aborted run has settled, makes the next <see cref="CoordinatedShutdown.Run"/> a real one.</summary>
    private static void Rearm(CoordinatedShutdown shutdown, FieldInfo runStarted, FieldInfo runPromise)
    {
        var aborted = (TaskCompletionSource<Done>)runPromise.GetValue(shutdown)!;
        aborted.Task.ContinueWith(t =>
        {
            _ = t.Exception; // observed: the abort is this guard's doing
            runPromise.SetValue(shutdown, new TaskCompletionSource<Done>());
            ((AtomicReference<CoordinatedShutdown.Reason>)runStarted.GetValue(shutdown)!).Value = null!;
        }, TaskContinuationOptions.ExecuteSynchronously);
    }

    private static FieldInfo Field(string name, Type type) =>
        typeof(CoordinatedShutdown).GetField(name, BindingFlags.Instance | BindingFlags.NonPublic) is { } f && f.FieldType == type ? f
        : throw new MissingFieldException($"{nameof(CoordinatedShutdown)}.{name} ({type.Name}) is gone in this Akka version: {nameof(PeerHandshakeGuard)} cannot re-arm the shutdown");
}
