using System.Security.Cryptography;
using Fleet.Cloud.Renders;
using Fleet.Shared.Security;

namespace Fleet.Cloud.Node.Tests.Renders;

public sealed class JobTokensTests
{
    private sealed class Clock(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;
        public override DateTimeOffset GetUtcNow() => Now;
    }

    private static readonly byte[] Key = RandomNumberGenerator.GetBytes(32);

    [Fact]
    public void A_token_opens_its_own_job_for_its_own_device_only()
    {
        var tokens = new JobTokens(new TokenSigner("k1", Key), TimeProvider.System);
        var (token, _) = tokens.Issue("rj-1", "kiosk-1", "summer-sale");
        Assert.Null(tokens.Refusal(token, "rj-1", "kiosk-1"));
        Assert.Contains("another device", tokens.Refusal(token, "rj-1", "kiosk-2"));
        Assert.Contains("another job", tokens.Refusal(token, "rj-2", "kiosk-1"));
        Assert.Contains("required", tokens.Refusal(null, "rj-1", "kiosk-1"));
    }

    [Fact]
    public void Forged_and_foreign_key_tokens_are_refused()
    {
        var tokens = new JobTokens(new TokenSigner("k1", Key), TimeProvider.System);
        var (token, _) = tokens.Issue("rj-1", "kiosk-1", "summer-sale");
        var parts = token.Split('.');
        // Claims rewritten to another job, signature kept: refused.
        var (other, _) = tokens.Issue("rj-2", "kiosk-1", "summer-sale");
        var forged = $"{parts[0]}.{other.Split('.')[1]}.{parts[2]}";
        Assert.Contains("signature", tokens.Refusal(forged, "rj-2", "kiosk-1"));
        var foreign = new JobTokens(new TokenSigner("k1", RandomNumberGenerator.GetBytes(32)), TimeProvider.System).Issue("rj-1", "kiosk-1", "summer-sale").Token;
        Assert.NotNull(tokens.Refusal(foreign, "rj-1", "kiosk-1"));
        Assert.NotNull(tokens.Refusal("not-a-token", "rj-1", "kiosk-1"));
    }

    [Fact]
    public void An_expired_token_is_refused()
    {
        var clock = new Clock(DateTimeOffset.UtcNow);
        var tokens = new JobTokens(new TokenSigner("k1", Key), clock);
        var (token, expires) = tokens.Issue("rj-1", "kiosk-1", "summer-sale", TimeSpan.FromMinutes(5));
        Assert.Null(tokens.Refusal(token, "rj-1", "kiosk-1"));
        clock.Now = expires.AddSeconds(1);
        Assert.Contains("expired", tokens.Refusal(token, "rj-1", "kiosk-1"));
    }
}
