using Akka.Actor;
using Fleet.Cloud.Authority;
using Fleet.Shared.Devices;
using Fleet.Shared.KillSwitch;
using Fleet.Shared.RenderJobs;
using Fleet.Shared.Tokens;

namespace Fleet.Cloud.Node.Tests.Authority;

public sealed class CommandRulesTests
{
    private static readonly Address Remote = new("akka.ssl.tcp", "fleet", "10.0.0.9", 4053);

    private static CommandSender.Node Node(params string[] roles) => new(Remote, roles.ToHashSet());

    [Fact]
    public void This_node_may_send_anything()
    {
        Assert.Null(CommandRules.Refusal(new TokenCommands.Create("sre", null, "x", "admin"), new CommandSender.Local()));
    }

    [Fact]
    public void Only_a_control_node_may_change_the_control_plane()
    {
        var mint = new TokenCommands.Create("sre", null, "x", "admin");
        Assert.Null(CommandRules.Refusal(mint, Node("control")));
        Assert.Contains("is no control node", CommandRules.Refusal(mint, Node("render", "gateway")));
        Assert.Contains("may not send", CommandRules.Refusal(new KillCommands.Engage(KillScope.AllGenerative, "x", "y"), new CommandSender.GatewayDevice("kiosk-1", Remote)));
        Assert.Contains("non-member", CommandRules.Refusal(mint, new CommandSender.Stranger(Remote)));
    }

    [Fact]
    public void Any_cloud_node_may_read_and_only_render_nodes_speak_the_worker_protocol()
    {
        Assert.Null(CommandRules.Refusal(new DeviceCommands.Get("kiosk-1"), Node("gateway")));
        Assert.Null(CommandRules.Refusal(TokenCommands.List.Instance, Node("render")));
        var done = new RenderSchedulerCommands.WorkDone("w1", "rj-1", 1, "sha", 10, 1.0, "libx264");
        Assert.Null(CommandRules.Refusal(done, Node("render")));
        Assert.Contains("is no render worker", CommandRules.Refusal(done, Node("gateway")));
    }

    [Fact]
    public void A_device_speaks_only_for_itself_and_only_the_device_protocol()
    {
        var own = new KillCommands.Ack("kiosk-1", 3, DateTimeOffset.UtcNow);
        Assert.Null(CommandRules.Refusal(own, new CommandSender.GatewayDevice("kiosk-1", Remote)));
        Assert.Null(CommandRules.Refusal(own, new CommandSender.MemberDevice("kiosk-1", Remote)));
        Assert.Contains("may not speak for device 'kiosk-1'", CommandRules.Refusal(own, new CommandSender.GatewayDevice("kiosk-2", Remote)));
        Assert.Contains("may not send", CommandRules.Refusal(new DeviceCommands.Revoke("kiosk-2", "me"), new CommandSender.MemberDevice("kiosk-1", Remote)));
        Assert.Contains("may not send", CommandRules.Refusal(new DeviceCommands.Get("kiosk-1"), new CommandSender.GatewayDevice("kiosk-1", Remote)));
    }

    [Fact]
    public void Telemetry_from_any_device_reaches_the_ingest_which_checks_the_claimed_device_itself()
    {
        var batch = new Fleet.Shared.Telemetry.TelemetryProtocol.Batch("kiosk-2", 1, [], null, 1, new Dictionary<string, string>());
        Assert.Null(CommandRules.Refusal(batch, new CommandSender.GatewayDevice("kiosk-1", Remote)));
        Assert.Contains("may not send", CommandRules.Refusal(batch, Node("render")));
        Assert.False(CommandRules.IsAuditedChange(batch));
    }

    [Fact]
    public void Operator_changes_are_audited_and_device_traffic_and_bookkeeping_are_not()
    {
        Assert.True(CommandRules.IsAuditedChange(new KillCommands.Engage(KillScope.AllGenerative, "x", "y")));
        Assert.False(CommandRules.IsAuditedChange(new DeviceCommands.Heartbeat("kiosk-1", "i")));
        Assert.False(CommandRules.IsAuditedChange(new TokenCommands.IssueDeviceToken("kiosk-1")));
        Assert.False(CommandRules.IsAuditedChange(KillCommands.GetState.Instance));
    }
}
