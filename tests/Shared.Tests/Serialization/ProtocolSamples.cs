using Fleet.Shared.Devices;
using Fleet.Shared.Distribution;
using Fleet.Shared.KillSwitch;
using Fleet.Shared.Tokens;

namespace Fleet.Shared.Tests.Serialization;

/// <summary>One filled-in instance of every wire and persisted type; a test checks none is missing.</summary>
public static class ProtocolSamples
{
    public static readonly DateTimeOffset At = new(2026, 11, 28, 9, 30, 0, TimeSpan.Zero);

    public static DeviceFacts Facts(string id = "kiosk-1", string installation = "inst-a") => new(
        id, installation, "pi-1", 4, 8192, "arm64", "Debian 12", new[] { "h264_v4l2m2m", "libx264" },
        new[] { "CPUExecutionProvider" }, "0.1.0", new Dictionary<string, string> { ["store"] = "berlin", ["hw"] = "pi5" });

    public static IEnumerable<object> Protocol() => new object[]
    {
        Facts(),
        new DeviceCommands.Register(Facts(), "akka.tcp://fleet@10.0.0.5:40000"),
        new DeviceCommands.Heartbeat("kiosk-1", "inst-a"),
        new DeviceCommands.ConnectivityChanged("kiosk-1", Connectivity.Unreachable, "akka.tcp://fleet@10.0.0.5:40000", At),
        new DeviceCommands.Get("kiosk-1"),
        new DeviceReplies.Registered("kiosk-1", true),
        new DeviceReplies.Refused("kiosk-1", "duplicate"),
        new DeviceReplies.DeviceView("kiosk-1", Facts(), At, At, Connectivity.Up, "akka.tcp://fleet@10.0.0.5:40000"),
        new DeviceReplies.Registered("kiosk-1", false, new DeviceCredentials("fld_secret", "http://10.0.0.1:5080")),
        new DeviceCredentials("fld_secret", "http://10.0.0.1:5080"),
    }.Concat(Campaigns()).Concat(Tokens()).Concat(Kills());

    private static readonly Dictionary<string, string> Tags = new() { ["store"] = "berlin" };

    private static TokenReplies.TokenView TokenView() => new("tok-1", TokenRoles.Device, "kiosk-1", "registration", At, "registry", null);

    private static IEnumerable<object> Tokens() => new object[]
    {
        new TokenCommands.Create(TokenRoles.Viewer, null, "ci", "admin"),
        new TokenCommands.Revoke("tok-1", "admin"),
        TokenCommands.List.Instance,
        new TokenCommands.Authenticate(new string('a', 64)),
        new TokenCommands.IssueDeviceToken("kiosk-1"),
        TokenView(),
        new TokenReplies.Created(TokenView(), "fld_secret"),
        new TokenReplies.Revoked(TokenView() with { RevokedAt = At }),
        new TokenReplies.Refused("unknown role"),
        new TokenReplies.Listed(L(TokenView())),
        new TokenReplies.Lookup(TokenView()),
        new TokenReplies.DeviceToken("kiosk-1", "fld_secret", "http://10.0.0.1:5080"),
    };

    private static IEnumerable<object> Kills()
    {
        var scope = new KillScope(KillKind.Model, "minilm@1.0.0");
        var directive = new KillDirective("kill-1", 4, scope, "garbage output", "sre", At);
        var record = new KillRecord(directive, null, null, null, null);
        var ack = new DeviceAck(4, At);
        return new object[]
        {
            scope, directive, new KillPolicy(4, L(directive), At), new SignedKillPolicy("{}", 4, "{}"), record, ack,
            new KillCommands.Engage(scope, "garbage output", "sre"), new KillCommands.Release("kill-1", "fixed", "sre"),
            new KillCommands.Sync("kiosk-1"), new KillCommands.Ack("kiosk-1", 4, At), KillCommands.GetState.Instance,
            new KillCommands.Result(directive, 4, null), new KillCommands.State(4, L(record), new Dictionary<string, DeviceAck> { ["kiosk-1"] = ack }),
        };
    }

    private static IEnumerable<object> Campaigns()
    {
        var summary = new CampaignReplies.CampaignSummary("summer-sale", "Summer", 2, At, L(Tags));
        var version = new CampaignReplies.VersionView(2, new string('b', 64), At, "op", "k1", At.AddDays(30), 5, 1234);
        var model = new CampaignReplies.ModelView("minilm", "1.0.0", new string('c', 64), 90, At, "op");
        var report = new DeviceSyncReport("kiosk-1", L(new RunningCampaign("summer-sale", 2, "k1", At)),
            L(new SyncRejection("summer-sale", 3, "bad-signature", "signature does not match", At)), At);
        return new object[]
        {
            new AssignmentTable(3, L(new Assignment("summer-sale", 2, Tags)), "{}"),
            new Assignment("summer-sale", 2, Tags),
            new GetAssignmentTable("kiosk-1"),
            report,
            report.Running[0],
            report.Rejections[0],
            new CampaignCommands.PublishVersion("summer-sale", "Summer", new string('b', 64), "{}", L(new string('c', 64)), 1234, "op"),
            new CampaignCommands.PublishModel("minilm", "1.0.0", new string('c', 64), 90, "op"),
            new CampaignCommands.Assign("summer-sale", Tags, "op"),
            CampaignCommands.ListCampaigns.Instance,
            new CampaignCommands.GetCampaign("summer-sale"),
            CampaignCommands.ListModels.Instance,
            new CampaignCommands.GetManifest("summer-sale", 2),
            new CampaignCommands.CheckDeviceAccess("kiosk-1", Tags, "summer-sale", null),
            CampaignCommands.TrustChanged.Instance,
            new CampaignCommands.GetSyncStatus("summer-sale"),
            new CampaignReplies.Published("summer-sale", 2, true, new string('b', 64)),
            new CampaignReplies.ModelPublished(model, true),
            new CampaignReplies.Assigned("summer-sale", Tags, 2),
            new CampaignReplies.Refused(404, "no such campaign"),
            summary,
            version,
            new CampaignReplies.CampaignDetail(summary, L(version)),
            new CampaignReplies.CampaignList(L(summary)),
            model,
            new CampaignReplies.ModelList(L(model)),
            new CampaignReplies.ManifestJson("summer-sale", 2, "{}"),
            new CampaignReplies.Access(false, "not assigned"),
            new CampaignReplies.SyncStatus(L(report)),
        };
    }

    private static List<T> L<T>(params T[] items) => items.ToList();

    public static IEnumerable<object> Events() => new object[]
    {
        new DeviceEvents.Registered(Facts(), At),
        new DeviceEvents.FactsChanged(Facts() with { Cores = 8 }, At),
        new DeviceEvents.Seen(At),
        new DeviceEvents.DuplicateRefused("inst-b", "other-host", At),
        new TokenEvents.Created("tok-1", new string('a', 64), TokenRoles.Device, "kiosk-1", "registration", At, "registry"),
        new TokenEvents.Revoked("tok-1", At, "admin"),
        new CampaignEvents.VersionCreated("summer-sale", "Summer", 1, new string('b', 64), "{}", L(new string('c', 64)), 1234, At, "op"),
        new CampaignEvents.ManifestSigned("summer-sale", 1, "{}", "k1", At.AddDays(30)),
        new CampaignEvents.Assigned("summer-sale", Tags, At, "op"),
        new KillEvents.Engaged(new KillDirective("kill-1", 4, new KillScope(KillKind.Campaign, "summer-sale"), "bad copy", "sre", At)),
        new KillEvents.Released("kill-1", 5, "sre", "fixed", At),
        new KillEvents.Acked("kiosk-1", 5, At),
        new CampaignEvents.ModelPublished("minilm", "1.0.0", new string('c', 64), 90, At, "op"),
    };
}
