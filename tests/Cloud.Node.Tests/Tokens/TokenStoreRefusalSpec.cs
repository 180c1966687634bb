using Akka.TestKit.Xunit2;
using Fleet.Cloud.Tokens;
using Fleet.Shared.Commands;
using Fleet.Shared.Tokens;

namespace Fleet.Cloud.Node.Tests.Tokens;

/// <summary>The token store actor (in-memory journal) answers commands it cannot carry out with the shared <see cref="Refused"/>.</summary>
public sealed class TokenStoreRefusalSpec() : TestKit("""
    akka.persistence.journal.plugin = "akka.persistence.journal.inmem"
    akka.persistence.snapshot-store.plugin = "akka.persistence.snapshot-store.inmem"
    """)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task Refusals_carry_a_code_and_a_domain_reason_and_successes_stay_typed()
    {
        var store = Sys.ActorOf(Akka.Actor.Props.Create(() => new TokenStoreActor("http://127.0.0.1:1")));

        var unknown = await store.AskCommand<TokenReplies.Revoked>(new TokenCommands.Revoke("tok-9", "admin"), Timeout);
        Assert.Equal((RefusalCode.NotFound, "no token 'tok-9'"), (unknown.Refusal!.Code, unknown.Refusal.Reason));

        var badRole = await store.AskCommand<TokenReplies.Created>(new TokenCommands.Create("root", null, null, "admin"), Timeout);
        Assert.Equal(RefusalCode.Invalid, badRole.Refusal!.Code);
        Assert.DoesNotContain("--", badRole.Refusal.Reason);

        var created = await store.AskCommand<TokenReplies.Created>(new TokenCommands.Create(TokenRoles.Viewer, null, "dash", "admin"), Timeout);
        Assert.True(created.IsOk);
        var revoked = await store.AskCommand<TokenReplies.Revoked>(new TokenCommands.Revoke(created.Ok.View.Id, "admin"), Timeout);
        Assert.NotNull(revoked.Ok.View.RevokedAt);
    }

    [Fact]
    public async Task An_answer_of_another_type_is_an_error_not_a_guess()
    {
        var store = Sys.ActorOf(Akka.Actor.Props.Create(() => new TokenStoreActor("http://127.0.0.1:1")));
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => store.AskCommand<TokenReplies.Created>(TokenCommands.List.Instance, Timeout));
        Assert.Contains("Listed", e.Message);
    }
}
