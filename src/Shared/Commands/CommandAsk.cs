using Akka.Actor;

namespace Fleet.Shared.Commands;

/// <summary>The answer to a command: the typed success reply, or the <see cref="Refused"/> that says why not.</summary>
public readonly record struct CommandResult<TOk>(TOk? Value, Refused? Refusal) where TOk : class
{
    public bool IsOk => Refusal is null;

    /// <summary>The success value, for callers that do not expect a refusal; otherwise throws with the refusal's reason.</summary>
    public TOk Ok => Value ?? throw new InvalidOperationException($"command refused ({Refusal!.Code}): {Refusal.Reason}");
}

public static class CommandAsk
{
    /// <summary>
    /// Asks <paramref name="actor"/> a command whose answer is either <typeparamref name="TOk"/> or <see cref="Refused"/>.
    /// Any other answer is a programming error between the caller and the actor, so it throws instead of being guessed at.
    /// </summary>
    public static async Task<CommandResult<TOk>> AskCommand<TOk>(this ICanTell actor, object command, TimeSpan timeout,
        CancellationToken ct = default) where TOk : class =>
        await actor.Ask<object>(command, timeout, ct) switch
        {
            TOk ok => new CommandResult<TOk>(ok, null),
            Refused r => new CommandResult<TOk>(null, r),
            var other => throw new InvalidOperationException(
                $"{command.GetType().Name} was answered with {other?.GetType().Name ?? "null"}; expected {typeof(TOk).Name} or {nameof(Refused)}"),
        };
}
