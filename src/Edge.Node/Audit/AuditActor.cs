using Akka.Actor;
using Akka.Event;
using Fleet.Shared.Audit;

namespace Fleet.Edge.Audit;

/// <summary>
/// The device's audit actor: appends what the device did (renders, manifest and model swaps, kills, trust changes,
/// credentials) to the hash-chained <c>&lt;data&gt;/audit.log</c>, off the senders' paths (they only Tell). One writer
/// per process; appends are fsynced before they are confirmed, so a signed head never covers an entry a crash loses.
/// </summary>
public sealed class AuditActor : ReceiveActor
{
    public const string FileName = "audit.log";

    private readonly ILoggingAdapter _log = Context.GetLogger();

    public AuditActor(AuditLog log)
    {
        Receive<AuditCommands.Record>(r =>
        {
            try
            {
                var entry = log.Append(r.Actor, r.Action, r.Subject, r.Detail);
                if (r.Confirm) Sender.Tell(entry);
            }
            catch (Exception e) when (e is IOException or ArgumentException)
            {
                _log.Error("audit append failed ({0} {1} {2}): {3}", r.Actor, r.Action, r.Subject, e.Message);
                if (r.Confirm) Sender.Tell(new Status.Failure(e));
            }
        });
    }

    public static Props Props(AuditLog log) => Akka.Actor.Props.Create(() => new AuditActor(log));

    public static string PathIn(string dataDir) => Path.Combine(dataDir, FileName);
}
