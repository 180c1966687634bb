using Fleet.Shared.Cli;
using Fleet.Shared.KillSwitch;

namespace Fleet.Shared.Tests.Cluster;

public sealed class KillScopeTests
{
    [Theory]
    [InlineData("model:minilm@1.2.0", KillKind.Model, "minilm@1.2.0")]
    [InlineData("template:end-card@2.0.1", KillKind.Template, "end-card@2.0.1")]
    [InlineData("campaign:summer-sale", KillKind.Campaign, "summer-sale")]
    [InlineData("all-generative", KillKind.AllGenerative, "")]
    public void Scopes_parse_and_print_back(string text, KillKind kind, string target)
    {
        var scope = KillScope.Parse(text);
        Assert.Equal(new KillScope(kind, target), scope);
        Assert.Equal(text, scope.ToString());
    }

    [Theory]
    [InlineData("model:minilm")]
    [InlineData("model:minilm@latest")]
    [InlineData("campaign:")]
    [InlineData("campaign:a b")]
    [InlineData("everything")]
    public void Bad_scopes_are_usage_errors(string text) => Assert.Throws<UsageException>(() => KillScope.Parse(text));

    [Fact]
    public void Scopes_cover_exactly_the_renders_that_use_their_artifact()
    {
        var render = new RenderArtifacts("summer-sale", "minilm@1.2.0", "end-card@2.0.1");
        Assert.True(KillScope.Parse("model:minilm@1.2.0").Covers(render));
        Assert.False(KillScope.Parse("model:minilm@1.3.0").Covers(render));
        Assert.True(KillScope.Parse("campaign:summer-sale").Covers(render));
        Assert.False(KillScope.Parse("campaign:winter").Covers(render));
        Assert.True(KillScope.Parse("template:end-card@2.0.1").Covers(render));
        Assert.True(KillScope.AllGenerative.Covers(render));
    }
}
