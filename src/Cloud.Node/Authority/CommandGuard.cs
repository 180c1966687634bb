using System.Runtime.CompilerServices;
using Akka.Actor;
using Akka.Event;
using Fleet.Cloud.Audit;
using Fleet.Shared.Serialization;

namespace Fleet.Cloud.Authority;

/// <summary>
/// The check every control-plane actor runs before it handles a message: who sent it (<see cref="CommandSender"/>),
/// whether they may (<see cref="CommandRules"/>). A refusal is one warning line and an audit entry, and the message is
/// dropped; an admitted change is recorded in this node's audit log with its sender, at the actor that made it.
/// </summary>
public static class CommandGuard
{
    private static readonly ConditionalWeakTable<ActorSystem, CloudAudit> Audits = new();

    /// <summary>Where the guard of actors in <paramref name="system"/> records (a cloud node's audit log).</summary>
    public static void RecordIn(ActorSystem system, CloudAudit audit) => Audits.AddOrUpdate(system, audit);

    /// <summary>A refusal or finding an actor of <paramref name="system"/> decided itself, in the node's audit log.</summary>
    public static void Record(ActorSystem system, string actor, string action, string subject, string? detail)
    {
        if (Audits.TryGetValue(system, out var audit)) audit.Record(actor, action, subject, detail);
    }

    /// <summary>True when the actor should handle <paramref name="message"/>.</summary>
    public static bool Admit(IActorContext context, object message, ILoggingAdapter log)
    {
        // Timers, persistence confirmations (which carry the sender of the command they confirm), cluster events: only
        // protocol messages can arrive from another node (the serializers refuse anything else), so only they are checked.
        if (message is not IFleetProtocol) return true;
        var who = CommandSender.Of(context.Sender, context.System);
        var refusal = CommandRules.Refusal(message, who);
        Audits.TryGetValue(context.System, out var audit);
        if (refusal is not null)
        {
            log.Warning("{0} refused a message from {1}: {2}", context.Self.Path.Name, who, refusal);
            audit?.Record(who.ToString(), "command.refused", context.Self.Path.Name, refusal);
            return false;
        }
        if (CommandRules.IsAuditedChange(message))
            audit?.Record(who.ToString(), "command." + message.GetType().Name, context.Self.Path.Name, Shorten(message.ToString()));
        return true;
    }

    private static string? Shorten(string? text) => text is { Length: > 300 } ? text[..300] + "…" : text;
}
