using Akka.Actor;

namespace Fleet.Cloud.Gateway;

/// <summary>
/// The only control-plane actors a device's connection may reach, and where its refusals are recorded. A device never
/// gets an actor reference, a path or a topic: it sends frames, and the connection picks the one target per frame.
/// </summary>
public sealed record GatewayTargets(IActorRef Registry, IActorRef KillSwitch, IActorRef Telemetry, IActorRef Campaigns,
    Action<string, string, string> Audit);

/// <summary>Per-connection limits: the send queue a slow device may fill, and the telemetry rate it may use.</summary>
public sealed record GatewayLimits
{
    /// <summary>Frames queued for one device before it counts as too slow and is dropped (it reconnects and resyncs).</summary>
    public int SendQueue { get; init; } = 256;
    /// <summary>How often a device gets a repeat of the kill policy it already acknowledged on its stream (the trust unchanged).</summary>
    public TimeSpan AckedPolicyRepeat { get; init; } = TimeSpan.FromSeconds(30);
    /// <summary>Largest frame either side may send; a telemetry batch is a few KiB, an assignment table well under this.</summary>
    public int MaxFrameBytes { get; init; } = 1024 * 1024;
    public double TelemetryPerSecond { get; init; } = 5;
    public int TelemetryBurst { get; init; } = 20;
    /// <summary>
    /// Every other frame (registrations, kill syncs and acks, heartbeats, table requests, sync reports) shares one budget:
    /// a device says a handful after each connect and one every few seconds after that, so far more is a misbehaving or
    /// hostile device, whose stream is ended (it backs off and reconnects) before it can load the control plane.
    /// </summary>
    public double ControlFramesPerSecond { get; init; } = 10;
    public int ControlFrameBurst { get; init; } = 60;
    /// <summary>
    /// Certificate requests on one stream: a device asks once per renewal, and again after a refusal. The registry
    /// entity holds each device to one renewal per interval across streams; this only spares it a flood.
    /// </summary>
    public double RenewalsPerSecond { get; init; } = 6.0 / 3600;
    public int RenewalBurst { get; init; } = 3;
}
