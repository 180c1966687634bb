using System.Text.Json;
using Fleet.Shared.Devices;
using Fleet.Shared.Campaigns;
using Fleet.Shared.Gateway.Wire;
using Fleet.Shared.KillSwitch;
using Fleet.Shared.Serialization;
using Fleet.Shared.Telemetry;
using Fleet.Shared.Tokens;

namespace Fleet.Shared.Gateway;

/// <summary>What the cloud says to a device, both ways between protocol records and <see cref="CloudFrame"/>s.</summary>
public static class CloudFrames
{
    /// <summary>
    /// One frame per table: a broadcast table reaches every connection on a gateway as the same object, so it is written
    /// as JSON once, not once per device. A frame is only read after it is made, so streams may share it.
    /// </summary>
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<AssignmentTable, CloudFrame> TableFrames = new();

    /// <summary>The frames a cloud reply becomes on the wire (a registration with credentials is two); none for anything else.</summary>
    public static IEnumerable<CloudFrame> From(object message)
    {
        switch (message)
        {
            case DeviceReplies.Registered r:
                yield return new CloudFrame { Registered = new Wire.Registered { FirstTime = r.FirstTime } };
                if (r.Credentials is { } c) yield return new CloudFrame { Credentials = new Wire.Credentials { Token = c.Token, ApiUrl = c.ApiUrl } };
                break;
            case DeviceReplies.Refused r:
                yield return Refused(r.Reason);
                break;
            case SignedKillPolicy p:
                yield return new CloudFrame { KillPolicy = new Wire.KillPolicy { EnvelopeJson = p.EnvelopeJson, Epoch = p.Epoch, TrustSetJson = p.TrustSetJson, TrustUpdateJson = p.TrustUpdateJson ?? "",
                    Traceparent = p.TraceParent ?? "" } };
                break;
            case AssignmentTable t:
                yield return TableFrames.GetValue(t, static table =>
                    new CloudFrame { Assignments = new Assignments { TableJson = JsonSerializer.Serialize(table, FleetJson.Options) } });
                break;
            case TelemetryProtocol.Ack a:
                yield return new CloudFrame { TelemetryAck = new TelemetryAck { Seq = a.Seq, Duplicate = a.Duplicate } };
                break;
            case TelemetryProtocol.Rejected r:
                yield return new CloudFrame { TelemetryRejected = new TelemetryRejected { Seq = r.Seq, Reason = r.Reason } };
                break;
            case DeviceReplies.CertificateIssued issued:
                yield return new CloudFrame { Certificate = new Certificate { CertificatePem = issued.CertificatePem } };
                break;
            case DeviceReplies.CertificateRefused refused:
                yield return new CloudFrame { Certificate = new Certificate { Refused = refused.Reason } };
                break;
            case DeviceReplies.AuditHeadAnswer a:
                yield return new CloudFrame { AuditHeadAck = new AuditHeadAck { Seq = a.Seq, Hash = a.Hash, Accepted = a.Accepted, Reason = a.Reason ?? "" } };
                break;
        }
    }

    public static CloudFrame Refused(string reason) => new() { Refused = new Wire.Refused { Reason = reason } };

    public static CloudFrame RenewCredentials() => new() { RenewCredentials = new Wire.RenewCredentials() };

    /// <summary>The record a frame from the gateway stands for, on device <paramref name="deviceId"/>; null for an empty frame.</summary>
    public static object? Read(CloudFrame frame, string deviceId) => frame.BodyCase switch
    {
        CloudFrame.BodyOneofCase.Registered => new DeviceReplies.Registered(deviceId, frame.Registered.FirstTime),
        CloudFrame.BodyOneofCase.Credentials => new DeviceCredentials(frame.Credentials.Token, frame.Credentials.ApiUrl),
        CloudFrame.BodyOneofCase.RenewCredentials => CredentialsStale.Instance,
        CloudFrame.BodyOneofCase.Refused => new DeviceReplies.Refused(deviceId, frame.Refused.Reason),
        CloudFrame.BodyOneofCase.KillPolicy => new SignedKillPolicy(frame.KillPolicy.EnvelopeJson, frame.KillPolicy.Epoch, frame.KillPolicy.TrustSetJson,
            frame.KillPolicy.TrustUpdateJson.Length > 0 ? frame.KillPolicy.TrustUpdateJson : null, Tracing.FleetTraces.Checked(frame.KillPolicy.Traceparent)),
        CloudFrame.BodyOneofCase.Assignments => JsonSerializer.Deserialize<AssignmentTable>(frame.Assignments.TableJson, FleetJson.Options),
        CloudFrame.BodyOneofCase.TelemetryAck => new TelemetryProtocol.Ack(deviceId, frame.TelemetryAck.Seq, frame.TelemetryAck.Duplicate),
        CloudFrame.BodyOneofCase.TelemetryRejected => new TelemetryProtocol.Rejected(deviceId, frame.TelemetryRejected.Seq, frame.TelemetryRejected.Reason),
        CloudFrame.BodyOneofCase.Certificate => frame.Certificate.CertificatePem.Length > 0
            ? new DeviceReplies.CertificateIssued(deviceId, frame.Certificate.CertificatePem)
            : new DeviceReplies.CertificateRefused(deviceId, frame.Certificate.Refused),
        CloudFrame.BodyOneofCase.AuditHeadAck => new DeviceReplies.AuditHeadAnswer(deviceId, frame.AuditHeadAck.Seq, frame.AuditHeadAck.Hash,
            frame.AuditHeadAck.Accepted, frame.AuditHeadAck.Reason.Length > 0 ? frame.AuditHeadAck.Reason : null),
        _ => null,
    };
}

/// <summary>The device's API credentials may point at a control node that is gone: register again for fresh ones.</summary>
public sealed class CredentialsStale
{
    public static readonly CredentialsStale Instance = new();
}
