using Akka.Actor;
using Akka.Hosting;
using Fleet.Cloud.Api;
using Fleet.Cloud.Audit;
using Fleet.Shared.Commands;
using Fleet.Shared.Tokens;

namespace Fleet.Cloud.Tokens;

/// <summary>HTTP: create, list and revoke API tokens (admin only). The secret is in the create answer and nowhere else.</summary>
public static class TokenEndpoints
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    public sealed record CreateTokenRequest(string? Role, string? DeviceId, string? Name);

    public static void MapTokens(this RouteGroupBuilder api)
    {
        var tokens = api.MapGroup("/tokens").RequireRole(TokenRoles.Admin).WithTags("tokens");
        tokens.MapPost("", async (CreateTokenRequest body, HttpContext ctx, IRequiredActor<TokenStore> store, CancellationToken ct) =>
            {
                var who = ctx.RequiredPrincipal().Name;
                var reply = await (await store.GetAsync(ct)).AskCommand<TokenReplies.Created>(new TokenCommands.Create(body.Role ?? "", body.DeviceId, body.Name, who), Timeout, ct);
                if (reply.Value is not { } created) return ApiResults.Refusal(reply.Refusal!);
                CloudAudit.Note(ctx, $"created {created.View.Id} role {created.View.Role}");
                return ApiResults.Ok(created, StatusCodes.Status201Created);
            })
            .WithName("createToken").WithSummary("Create a token (its secret is returned once)").Produces<TokenReplies.Created>(StatusCodes.Status201Created);
        tokens.MapGet("", async (IRequiredActor<TokenStore> store, CancellationToken ct) =>
                ApiResults.Ok((await (await store.GetAsync(ct)).Ask<TokenReplies.Listed>(TokenCommands.List.Instance, Timeout, ct)).Tokens))
            .WithName("listTokens").WithSummary("List tokens (never their secrets)").Produces<List<TokenReplies.TokenView>>();
        tokens.MapDelete("/{id}", async (string id, HttpContext ctx, IRequiredActor<TokenStore> store, CancellationToken ct) =>
            {
                var reply = await (await store.GetAsync(ct)).AskCommand<TokenReplies.Revoked>(new TokenCommands.Revoke(id, ctx.RequiredPrincipal().Name), Timeout, ct);
                return reply.Value is { } r ? ApiResults.Ok(r.View) : ApiResults.Refusal(reply.Refusal!);
            })
            .WithName("revokeToken").WithSummary("Revoke a token").Produces<TokenReplies.TokenView>().Errors(404);
    }
}
