using Akka.Actor;
using Akka.Hosting;
using Fleet.Cloud.Api;
using Fleet.Cloud.Audit;
using Fleet.Shared.Commands;
using Fleet.Shared.Rollouts;
using Fleet.Shared.Tokens;
using static Fleet.Shared.Rollouts.RolloutCommands;

namespace Fleet.Cloud.Rollouts;

/// <summary>HTTP: start and steer rollouts (role <c>operator</c>), list and status (role <c>viewer</c>).</summary>
public static class RolloutEndpoints
{
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(10);

    /// <param name="Bake">Per-stage bake time (<c>10m</c>); <paramref name="Timeout"/>: how long a stage may lack samples before pausing.</param>
    public sealed record StartRequest(string? Artifact, List<double>? Stages, string? Bake, Dictionary<string, string>? Tags, List<string>? Gates,
        long? MinSamples, string? Timeout, string? WriteOffAfter, string? Reason);

    public sealed record ActRequest(string? Reason);

    public static readonly IReadOnlyList<double> DefaultStages = [1, 5, 25, 100];
    public static readonly TimeSpan DefaultBake = TimeSpan.FromMinutes(10);
    public const long DefaultMinSamples = 50;

    public static void MapRollouts(this RouteGroupBuilder api)
    {
        var g = api.MapGroup("/rollouts").WithTags("rollouts");
        g.MapPost("", async (StartRequest body, HttpContext ctx, IRequiredActor<RolloutCoordinatorKey> rollouts, CancellationToken ct) =>
            {
                Start cmd;
                try { cmd = ToCommand(body, ctx.RequiredPrincipal().Name); }
                catch (UsageException e) { return ApiResults.BadRequest(e.Message); }
                var reply = await rollouts.ActorRef.AskCommand<RolloutView>(cmd, AskTimeout, ct);
                if (reply.Value is not { } v) return ApiResults.Refusal(reply.Refusal!);
                CloudAudit.Note(ctx, $"{v.Id}: {v.Artifact} stages {string.Join(',', v.Stages)}");
                return ApiResults.Created(v);
            })
            .RequireRole(TokenRoles.Operator).WithName("startRollout").WithSummary($"Start a canary rollout of {ArtifactKind.FormsInWords}")
            .Produces<RolloutView>(StatusCodes.Status201Created).Errors(400, 404, 409);
        g.MapGet("", async (IRequiredActor<RolloutCoordinatorKey> rollouts, CancellationToken ct) =>
                ApiResults.Ok((await rollouts.ActorRef.Ask<RolloutList>(List.Instance, AskTimeout, ct)).Rollouts))
            .RequireRole(TokenRoles.Viewer).WithName("listRollouts").WithSummary("All rollouts, newest first").Produces<List<RolloutView>>();
        g.MapGet("/{id}", async (string id, IRequiredActor<RolloutCoordinatorKey> rollouts, CancellationToken ct) =>
                await rollouts.ActorRef.AskCommand<RolloutView>(new Get(id), AskTimeout, ct) is { Value: { } v } ? ApiResults.Ok(v) : ApiResults.NotFound($"no rollout {id}"))
            .RequireRole(TokenRoles.Viewer).WithName("getRollout").WithSummary("One rollout: stage, gate verdict, canary and baseline health, devices, history").Produces<RolloutView>().Errors(404);
        g.MapPost("/{id}/{action}", async (string id, string action, ActRequest body, HttpContext ctx, IRequiredActor<RolloutCoordinatorKey> rollouts, CancellationToken ct) =>
            {
                if (!Enum.TryParse<RolloutAction>(action, ignoreCase: true, out var act) || !Enum.IsDefined(act) || action.Any(char.IsDigit))
                    return ApiResults.NotFound($"no rollout action '{action}' (pause, resume, abort, promote)");
                var reply = await rollouts.ActorRef.AskCommand<RolloutView>(new Act(id, act, body.Reason ?? "", ctx.RequiredPrincipal().Name), AskTimeout, ct);
                if (reply.Value is not { } v) return ApiResults.Refusal(reply.Refusal!);
                CloudAudit.Note(ctx, $"{id} {action}: {body.Reason}");
                return ApiResults.Ok(v);
            })
            .RequireRole(TokenRoles.Operator).WithName("actOnRollout").WithSummary("pause, resume, abort or promote a rollout by hand, with a reason").Produces<RolloutView>().Errors(404, 409);
    }

    public static Start ToCommand(StartRequest body, string by)
    {
        var artifact = RolloutArtifact.Parse(body.Artifact);
        var bake = Duration(body.Bake, "bake") ?? DefaultBake;
        return new Start(artifact, body.Stages is { Count: > 0 } s ? s : DefaultStages, bake, body.Tags ?? new Dictionary<string, string>(),
            body.Gates ?? [], body.MinSamples ?? DefaultMinSamples,
            Duration(body.Timeout, "timeout") ?? TimeSpan.FromTicks(Math.Max(bake.Ticks * 3, TimeSpan.FromMinutes(30).Ticks)),
            Duration(body.WriteOffAfter, "write_off_after") ?? TimeSpan.FromMinutes(10), by, body.Reason ?? "");
    }

    private static TimeSpan? Duration(string? text, string name) =>
        text is null ? null : Durations.Parse(text) ?? throw new UsageException($"{name} '{text}' is not a duration like 30s, 10m, 2h");
}
