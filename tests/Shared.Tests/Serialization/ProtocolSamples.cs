using Fleet.Shared.Devices;
using Fleet.Shared.Telemetry;

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
        new TelemetryEvents.BatchAccepted("kiosk-1", 3, [1, 2], new Dictionary<string, string> { ["store"] = "berlin" }, "baseline",
            SyntheticTelemetry.Minute(At, 2), 0, At),
    };
}
