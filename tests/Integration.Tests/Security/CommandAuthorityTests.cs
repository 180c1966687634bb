using Akka.Actor;
using Akka.Hosting;
using Fleet.Cloud.Audit;
using Fleet.Cloud.Tokens;
using Fleet.Shared.Cluster;
using Fleet.Shared.Tokens;

namespace Fleet.Integration.Tests.Security;

/// <summary>Control-plane actors decide by who sent a command, not by membership alone: a real two-node cluster on loopback.</summary>
[Collection(ClusterCollection.Name)]
public sealed class CommandAuthorityTests
{
    [Fact]
    public async Task A_render_node_cannot_mint_a_token_and_the_attempt_is_audited_at_the_token_store()
    {
        using var tmp = new TempDir();
        var db = await Databases.FreshAsync(Databases.Sqlite, tmp.Path);
        await using var control = await CloudUnderTest.StartAsync(db, tmp.Sub("control"));
        await using var render = await CloudUnderTest.StartAsync(db, tmp.Sub("render"), seeds: new[] { control.Seed },
            configure: o => o with { Roles = new[] { FleetCluster.RenderRole } });
        await Eventually.Until(() => Task.FromResult(Akka.Cluster.Cluster.Get(control.System).State.Members.Count(m => m.Status == Akka.Cluster.MemberStatus.Up)),
            n => n == 2, TimeSpan.FromSeconds(30), "both nodes up");

        var tokens = await ActorRegistry.For(render.System).GetAsync<TokenStore>();
        var minted = await Record.ExceptionAsync(() => tokens.Ask<object>(new TokenCommands.Create(TokenRoles.Sre, null, "rogue", "render-node"), TimeSpan.FromSeconds(3)));
        Assert.IsType<AskTimeoutException>(minted);

        var audit = await Eventually.Until(() => Task.FromResult(File.ReadAllLines(Path.Combine(control.Options.DataDir, CloudAudit.LogFile))),
            lines => lines.Any(l => l.Contains("command.refused")), TimeSpan.FromSeconds(10), "the refusal in the control node's audit log");
        Assert.Contains(audit, l => l.Contains("command.refused") && l.Contains("is no control node and may not send Tokens.TokenCommands+Create"));
        var listed = await control.Api.GetAsync<List<TokenReplies.TokenView>>("api/v1/tokens");
        Assert.DoesNotContain(listed, t => t.Name == "rogue");

        // The same command from the control node's own API is admitted and recorded at the actor with its sender.
        await control.Api.PostAsync<TokenReplies.Created>("api/v1/tokens", new TokenEndpoints.CreateTokenRequest("viewer", null, "dashboard"));
        Assert.Contains(File.ReadAllLines(Path.Combine(control.Options.DataDir, CloudAudit.LogFile)),
            l => l.Contains("command.Create") && l.Contains("this node") && l.Contains("dashboard"));
    }
}
