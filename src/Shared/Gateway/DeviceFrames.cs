using System.Text.Json;
using Fleet.Shared.Devices;
using Fleet.Shared.Campaigns;
using Fleet.Shared.Gateway.Wire;
using Fleet.Shared.KillSwitch;
using Fleet.Shared.Serialization;
using Fleet.Shared.Telemetry;

namespace Fleet.Shared.Gateway;

/// <summary>
/// What a device says, both ways between protocol records and <see cref="DeviceFrame"/>s. Reading a frame on the gateway
/// stamps it with the certificate's device id: a frame whose content names another device is refused, never forwarded.
/// </summary>
public static class DeviceFrames
{
    /// <summary>The address a device signs in its registration when it registers through a gateway.</summary>
    public const string GatewayAddress = "gateway";

    public static DeviceFrame Register(DeviceFacts facts, DeviceProof? proof) => new()
    {
        Register = new Wire.Register
        {
            FactsJson = JsonSerializer.Serialize(facts, FleetJson.Options),
            ProofCertificate = Google.Protobuf.ByteString.CopyFrom(proof?.Certificate ?? []),
            ProofSignedAtUnixMs = proof?.SignedAt.ToUnixTimeMilliseconds() ?? 0,
            ProofSignature = Google.Protobuf.ByteString.CopyFrom(proof?.Signature ?? []),
        },
    };

    public static DeviceFrame Heartbeat(string installationId) => new() { Heartbeat = new Wire.Heartbeat { InstallationId = installationId } };

    public static DeviceFrame KillSync() => new() { KillSync = new Wire.KillSync() };

    public static DeviceFrame KillAck(KillCommands.Ack ack) =>
        new() { KillAck = new Wire.KillAck { Epoch = ack.Epoch, EnforcedAtUnixMs = ack.EnforcedAt.ToUnixTimeMilliseconds(), Traceparent = ack.TraceParent ?? "" } };

    public static DeviceFrame AssignmentRequest() => new() { AssignmentRequest = new Wire.AssignmentRequest() };

    public static DeviceFrame SyncReport(DeviceSyncReport report) =>
        new() { SyncReport = new Wire.SyncReport { ReportJson = JsonSerializer.Serialize(report, FleetJson.Options) } };

    public static DeviceFrame Telemetry(TelemetryProtocol.Batch batch)
    {
        var wire = new Wire.TelemetryBatch { Seq = batch.Seq, DroppedRenders = batch.DroppedRenders };
        wire.Covers.AddRange(batch.Covers);
        if (batch.Body is { } body) wire.Body = Google.Protobuf.ByteString.CopyFrom(body);
        return new DeviceFrame { Telemetry = wire };
    }

    public static DeviceFrame RenewCertificate(string csrPem) => new() { RenewCertificate = new Wire.RenewCertificate { CsrPem = csrPem } };
    public static DeviceFrame AuditHead(Audit.SignedAuditHead h) => new()
    {
        AuditHead = new Wire.AuditHead
        {
            Seq = h.Seq, Hash = h.Hash, AtUnixMs = h.At.ToUnixTimeMilliseconds(),
            Signature = Google.Protobuf.ByteString.CopyFrom(h.Signature), Certificate = Google.Protobuf.ByteString.CopyFrom(h.Certificate),
        },
    };

    /// <summary>
    /// The protocol record a frame from device <paramref name="deviceId"/> stands for, with the device id taken from the
    /// certificate. <see cref="Refusal"/> says why a frame cannot be accepted (malformed, or naming another device).
    /// Telemetry tags are the registry's, given by the caller, never the device's own.
    /// </summary>
    public static object Read(DeviceFrame frame, string deviceId, IReadOnlyDictionary<string, string> tags)
    {
        try
        {
            return frame.BodyCase switch
            {
                DeviceFrame.BodyOneofCase.Register => ReadRegister(frame.Register, deviceId),
                DeviceFrame.BodyOneofCase.Heartbeat => new DeviceCommands.Heartbeat(deviceId, frame.Heartbeat.InstallationId),
                DeviceFrame.BodyOneofCase.KillSync => new KillCommands.Sync(deviceId),
                DeviceFrame.BodyOneofCase.KillAck => new KillCommands.Ack(deviceId, frame.KillAck.Epoch,
                    DateTimeOffset.FromUnixTimeMilliseconds(frame.KillAck.EnforcedAtUnixMs), Tracing.FleetTraces.Checked(frame.KillAck.Traceparent)),
                DeviceFrame.BodyOneofCase.AssignmentRequest => new GetAssignmentTable(deviceId),
                DeviceFrame.BodyOneofCase.SyncReport => Own(JsonSerializer.Deserialize<DeviceSyncReport>(frame.SyncReport.ReportJson, FleetJson.Options),
                    r => r.DeviceId, deviceId, "sync report"),
                DeviceFrame.BodyOneofCase.Telemetry => new TelemetryProtocol.Batch(deviceId, frame.Telemetry.Seq, frame.Telemetry.Covers.ToArray(),
                    frame.Telemetry.HasBody ? frame.Telemetry.Body.ToByteArray() : null, frame.Telemetry.DroppedRenders, tags),
                DeviceFrame.BodyOneofCase.RenewCertificate => ReadRenewal(frame.RenewCertificate, deviceId),
                DeviceFrame.BodyOneofCase.AuditHead => new DeviceCommands.SubmitAuditHead(deviceId, new Audit.SignedAuditHead(frame.AuditHead.Seq, frame.AuditHead.Hash,
                    DateTimeOffset.FromUnixTimeMilliseconds(frame.AuditHead.AtUnixMs), frame.AuditHead.Signature.ToByteArray(), frame.AuditHead.Certificate.ToByteArray())),
                _ => new Refusal("an empty or unknown frame"),
            };
        }
        catch (JsonException e)
        {
            return new Refusal($"malformed JSON in a {frame.BodyCase} frame: {e.Message}");
        }
    }

    private static object ReadRegister(Wire.Register r, string deviceId)
    {
        var facts = JsonSerializer.Deserialize<DeviceFacts>(r.FactsJson, FleetJson.Options);
        if (Own(facts, f => f.DeviceId, deviceId, "registration") is Refusal no) return no;
        var proof = r.ProofSignature.IsEmpty ? null
            : new DeviceProof(r.ProofCertificate.ToByteArray(), DateTimeOffset.FromUnixTimeMilliseconds(r.ProofSignedAtUnixMs), r.ProofSignature.ToByteArray());
        return new DeviceCommands.Register(facts!, GatewayAddress, proof);
    }

    /// <summary>A request whose subject names another device (or that is no valid request) never reaches the fleet CA.</summary>
    private static object ReadRenewal(Wire.RenewCertificate r, string deviceId) =>
        Security.Pki.DeviceCsr.Read(r.CsrPem, deviceId) is (null, { } refusal) ? new Refusal(refusal) : new DeviceCommands.RenewCertificate(deviceId, r.CsrPem);

    private static object Own<T>(T? record, Func<T, string> idOf, string deviceId, string what) where T : class =>
        record is null ? new Refusal($"the {what} is empty")
        : idOf(record) != deviceId ? new Refusal($"a {what} naming device '{idOf(record)}' arrived on the stream of device '{deviceId}'")
        : record;

    /// <summary>A frame the gateway will not forward, and why (one line).</summary>
    public sealed record Refusal(string Reason);
}
