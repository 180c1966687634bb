using Fleet.Cloud.Tokens;
using Fleet.Shared.Commands;
using Fleet.Shared.Serialization;
using Fleet.Shared.Tokens;

namespace Fleet.Cloud.Node.Tests.Tokens;

public sealed class TokenStateTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static TokenState Run(TokenState s, IEnumerable<IFleetEvent> events) => events.Aggregate(s, (st, e) => st.Apply(e));

    [Fact]
    public void Each_registration_replaces_the_devices_previous_registration_token_but_not_admin_made_ones()
    {
        var s = new TokenState();
        var (_, e1) = s.Create(new TokenCommands.Create(TokenRoles.Device, "kiosk-1", null, TokenState.RegistryIssuer), "tok-1", "h1", T0);
        s = Run(s, e1);
        var (_, e2) = s.Create(new TokenCommands.Create(TokenRoles.Device, "kiosk-1", null, "admin"), "tok-2", "h2", T0);
        s = Run(s, e2);
        var (_, e3) = s.Create(new TokenCommands.Create(TokenRoles.Device, "kiosk-1", null, TokenState.RegistryIssuer), "tok-3", "h3", T0);
        s = Run(s, e3);
        Assert.Null(s.Lookup("h1"));
        Assert.Equal("kiosk-1", s.Lookup("h2")!.DeviceId);
        Assert.Equal("tok-3", s.Lookup("h3")!.Id);
    }

    [Theory]
    [InlineData("root", null, "unknown role 'root'")]
    [InlineData("device", null, "needs a device id")]
    [InlineData("device", "Bad Id", "is invalid")]
    [InlineData("viewer", "kiosk-1", "only for a device token")]
    public void Bad_create_requests_are_refused_and_change_nothing(string role, string? device, string expected)
    {
        var (reply, events) = new TokenState().Create(new TokenCommands.Create(role, device, null, "admin"), "tok-1", "h1", T0);
        Assert.Contains(expected, Assert.IsType<Refused>(reply).Reason);
        Assert.Empty(events);
    }

    [Fact]
    public void A_revoked_token_no_longer_authenticates_and_revoking_twice_is_harmless()
    {
        var s = new TokenState();
        s = Run(s, s.Create(new TokenCommands.Create(TokenRoles.Viewer, null, "ci", "admin"), "tok-1", "h1", T0).Events);
        var (reply, events) = s.Revoke(new TokenCommands.Revoke("tok-1", "admin"), T0.AddMinutes(1));
        s = Run(s, events);
        Assert.NotNull(Assert.IsType<TokenReplies.Revoked>(reply).View.RevokedAt);
        Assert.Null(s.Lookup("h1"));
        Assert.Empty(s.Revoke(new TokenCommands.Revoke("tok-1", "admin"), T0.AddMinutes(2)).Events);
        Assert.IsType<Refused>(s.Revoke(new TokenCommands.Revoke("tok-9", "admin"), T0).Reply);
    }

    [Theory]
    [InlineData("admin", "operator", true)]
    [InlineData("operator", "viewer", true)]
    [InlineData("sre", "viewer", true)]
    [InlineData("viewer", "operator", false)]
    [InlineData("device", "viewer", false)]
    [InlineData("operator", "sre", false)]
    public void Role_satisfaction(string held, string required, bool expected) => Assert.Equal(expected, TokenRoles.Satisfies(held, required));
}
