using Fleet.Shared.Devices;
using Fleet.Shared.KillSwitch;
using Fleet.Shared.Telemetry;

namespace Fleet.Shared.Tests.Serialization;

/// <summary>One filled-in instance of every wire and persisted type; a test checks none is missing.</summary>
public static class ProtocolSamples
{
    public static readonly DateTimeOffset At = new(2026, 11, 28, 9, 30, 0, TimeSpan.Zero);

    public static DeviceFacts Facts(string id = "kiosk-1", string installation = "inst-a") => new(
        id, installation, "pi-1", 4, 8192, "arm64", "Debian 12", new[] { "h264_v4l2m2m", "libx264" },
        new[] { "CPUExecutionProvider" }, "0.1.0", new Dictionary<string, string> { ["store"] = "berlin", ["hw"] = "pi5" });

    public static KillDirective Directive() => new("kill-1", 1, KillScope.Parse("model:minilm@1.2.0"), "bad output", "sre", At);

    public static KillRecord Record() => new(Directive(), At, "sre", "fixed", 2);

    public static IEnumerable<object> Protocol() => new object[]
    {
        KillScope.Parse("campaign:summer-sale"),
        Directive(),
        new KillPolicy(1, new[] { Directive() }, At),
        new SignedKillPolicy("{\"kid\":\"k1\"}", 1, "{\"keys\":[]}"),
        new KillCommands.Engage(KillScope.AllGenerative, "panic", "sre"),
        new KillCommands.Release("kill-1", "fixed", "sre"),
        new KillCommands.Sync("kiosk-1"),
        new KillCommands.Ack("kiosk-1", 1, At),
        KillCommands.GetState.Instance,
        new KillCommands.Result(Directive(), 1, null),
        new KillCommands.State(2, new[] { Record() }, new Dictionary<string, DeviceAck> { ["kiosk-1"] = new(2, At) }),
        Record(),
        new DeviceAck(1, At),
        Facts(),
        new DeviceCommands.Register(Facts(), "akka.tcp://fleet@10.0.0.5:40000"),
        new DeviceCommands.Heartbeat("kiosk-1", "inst-a"),
        new DeviceCommands.ConnectivityChanged("kiosk-1", Connectivity.Unreachable, "akka.tcp://fleet@10.0.0.5:40000", At),
        new DeviceCommands.Get("kiosk-1"),
        new DeviceReplies.Registered("kiosk-1", true),
        new DeviceReplies.Refused("kiosk-1", "duplicate"),
        new DeviceReplies.DeviceView("kiosk-1", Facts(), At, At, Connectivity.Up, "akka.tcp://fleet@10.0.0.5:40000"),
        new DeviceCommands.Register(Facts(), "akka.ssl.tcp://fleet@10.0.0.5:40000", new DeviceProof(new byte[] { 0x30, 0x82, 1, 2 }, At, new byte[] { 9, 8, 7 })),
        new DeviceProof(new byte[] { 0x30, 0x82 }, At, new byte[] { 1 }),
        new DeviceCommands.IssueEnrolmentCode("kiosk-1", "ab12", At, new Dictionary<string, string> { ["store"] = "berlin" }),
        new DeviceCommands.RedeemEnrolmentCode("kiosk-1", "ab12", "0A1B2C", At),
        new DeviceCommands.RecordEnrolment("kiosk-1", "0A1B2C", At),
        new DeviceCommands.Revoke("kiosk-1", "admin"),
        new DeviceReplies.EnrolmentAccepted("kiosk-1", new Dictionary<string, string> { ["store"] = "berlin" }),
        new DeviceReplies.EnrolmentRefused("kiosk-1", "enrolment code expired"),
        new DeviceReplies.RevokeResult("kiosk-1", true, At),
        new RevocationNotice("kiosk-1"),
        new TelemetryProtocol.Batch("kiosk-1", 7, [5, 6], AggregateCodec.Encode(SyntheticTelemetry.Minute(At, 3)), 0, new Dictionary<string, string> { ["store"] = "berlin" }),
        new TelemetryProtocol.Ack("kiosk-1", 7, false),
        new TelemetryProtocol.Rejected("kiosk-1", 0, "seq 0 is not positive"),
        new TelemetryProtocol.Query("kiosk-1", "summer-sale", "canary", 600),
        Report(),
        Report().Campaigns[0],
        Report().Campaigns[0].Variants[0],
        Report().RecentRejections[0],
    };

    public static TelemetryReport Report() => new(At.AddMinutes(-10), At, null, "summer-sale", null, 2,
        new List<CampaignReport> { new CampaignReport("summer-sale", "3", 10, 9, 1, 2, 1, 0, 0.1, new Dictionary<string, double> { ["composite:static-creative:ffmpeg-missing"] = 0.1 },
            210, 400, 410, 8, 2, 0.25, new List<VariantReport> { new("h1", 10, 8, 2, 0.25) }) },
        0, 1, new List<RejectionView> { new(At, "kiosk-2", "akka.tcp://fleet@10.0.0.6:4000", 0, "seq 0 is not positive") });

    public static IEnumerable<object> Events() => new object[]
    {
        new DeviceEvents.Registered(Facts(), At),
        new DeviceEvents.FactsChanged(Facts() with { Cores = 8 }, At),
        new DeviceEvents.Seen(At),
        new DeviceEvents.DuplicateRefused("inst-b", "other-host", At),
        new KillEvents.Engaged(Directive()),
        new KillEvents.Released("kill-1", 2, "sre", "fixed", At),
        new KillEvents.Acked("kiosk-1", 1, At),
        new DeviceEvents.EnrolmentCodeIssued("ab12", At, new Dictionary<string, string> { ["store"] = "berlin" }, At),
        new DeviceEvents.Enrolled("0A1B2C", At, "code", At),
        new DeviceEvents.Revoked("admin", At),
        new TelemetryEvents.BatchAccepted("kiosk-1", 3, [1, 2], new Dictionary<string, string> { ["store"] = "berlin" }, "baseline",
            SyntheticTelemetry.Minute(At, 2), 0, At),
    };
}
