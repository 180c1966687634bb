using Fleet.Edge.Audit;

namespace Fleet.Edge.Node.Tests.Audit;

public sealed class RenderAuditTests
{
    [Theory]
    [InlineData("render:static-creative:over-deadline-800ms", "render:static-creative:over-deadline-800ms")]
    [InlineData("policy:static-creative:kill-3:cancelled-in-flight", "policy:static-creative:kill-3:cancelled-in-flight")]
    [InlineData("render:static-creative:FleetException:slot price 'Alice's 9.99' too long", "render:static-creative:FleetException")]
    [InlineData("speech:captions-only:espeak failed: bob@example.com", "speech:captions-only")]
    [InlineData("free text only", "other")]
    public void A_fallback_keeps_its_code_words_and_drops_free_text(string fallback, string expected) =>
        Assert.Equal(expected, RenderAudit.Code(fallback));
}
