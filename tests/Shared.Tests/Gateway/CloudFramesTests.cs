using Fleet.Shared.Campaigns;
using Fleet.Shared.Devices;
using Fleet.Shared.Gateway;
using Fleet.Shared.Gateway.Wire;
using Fleet.Shared.KillSwitch;
using Fleet.Shared.Telemetry;
using Fleet.Shared.Tokens;

namespace Fleet.Shared.Tests.Gateway;

/// <summary>
/// What the gateway link actor decides on is the record <see cref="CloudFrames.Read"/> makes of each frame the cloud
/// sends (the actor opens a real gRPC stream, so its own spec is an integration test): every reply survives the wire as
/// the record it was, on the device the stream belongs to, and nothing a frame leaves empty turns into a value.
/// </summary>
public sealed class CloudFramesTests
{
    private static IReadOnlyList<object?> OnTheDevice(object reply) => CloudFrames.From(reply).Select(f => CloudFrames.Read(f, "kiosk-1")).ToList();

    [Fact]
    public void A_registration_with_credentials_arrives_as_the_registration_then_the_credentials()
    {
        var credentials = new DeviceCredentials("device-token", "https://10.0.0.5:5080");
        var read = OnTheDevice(new DeviceReplies.Registered("someone-else", FirstTime: true, credentials));
        Assert.Equal(2, read.Count);
        Assert.Equal(new DeviceReplies.Registered("kiosk-1", true), read[0]);
        Assert.Equal(credentials, read[1]);
        Assert.Single(OnTheDevice(new DeviceReplies.Registered("kiosk-1", false)));
    }

    [Fact]
    public void A_kill_policy_keeps_its_envelope_epoch_and_trust_and_drops_only_an_invalid_trace_context()
    {
        var policy = new SignedKillPolicy("{\"payload\":1}", 7, "{\"keys\":[]}", "{\"update\":1}", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
        Assert.Equal(policy, Assert.Single(OnTheDevice(policy)));
        // A bare trust set (no CA-signed update) stays null, never an empty string a device could try to verify.
        var bare = policy with { TrustUpdateJson = null, TraceParent = "not a trace" };
        Assert.Equal(bare with { TraceParent = null }, Assert.Single(OnTheDevice(bare)));
    }

    [Fact]
    public void An_assignment_table_arrives_whole_and_is_written_once_for_every_stream_it_goes_to()
    {
        var table = new AssignmentTable(9, [new Assignment("summer-sale", 3, new Dictionary<string, string> { ["store"] = "berlin" })], "{\"keys\":[]}");
        var read = Assert.IsType<AssignmentTable>(Assert.Single(OnTheDevice(table)));
        Assert.Equal((9L, "summer-sale", 3, "{\"keys\":[]}"), (read.Revision, read.Assignments.Single().CampaignId, read.Assignments.Single().Version, read.TrustSetJson));
        Assert.Same(CloudFrames.From(table).Single(), CloudFrames.From(table).Single());
        Assert.NotSame(CloudFrames.From(table).Single(), CloudFrames.From(table with { Revision = 10 }).Single());
    }

    [Fact]
    public void A_refusal_reaches_the_device_with_its_reason()
    {
        Assert.Equal(new DeviceReplies.Refused("kiosk-1", "device 'kiosk-1' is revoked"),
            Assert.Single(OnTheDevice(new DeviceReplies.Refused("kiosk-1", "device 'kiosk-1' is revoked"))));
        Assert.Equal(new DeviceReplies.Refused("kiosk-1", "frame budget: 5 frames"), CloudFrames.Read(CloudFrames.Refused("frame budget: 5 frames"), "kiosk-1"));
    }

    [Fact]
    public void A_certificate_answer_is_either_the_new_certificate_or_the_reason_it_was_refused()
    {
        Assert.Equal(new DeviceReplies.CertificateIssued("kiosk-1", "PEM"), Assert.Single(OnTheDevice(new DeviceReplies.CertificateIssued("kiosk-1", "PEM"))));
        Assert.Equal(new DeviceReplies.CertificateRefused("kiosk-1", "rate limit: 1 renewal per hour"),
            Assert.Single(OnTheDevice(new DeviceReplies.CertificateRefused("kiosk-1", "rate limit: 1 renewal per hour"))));
    }

    [Fact]
    public void Telemetry_answers_and_a_credentials_renewal_come_through_and_an_empty_frame_is_nothing()
    {
        Assert.Equal(new TelemetryProtocol.Ack("kiosk-1", 4, true), Assert.Single(OnTheDevice(new TelemetryProtocol.Ack("kiosk-1", 4, true))));
        Assert.Equal(new TelemetryProtocol.Rejected("kiosk-1", 5, "seq 5 overlaps"), Assert.Single(OnTheDevice(new TelemetryProtocol.Rejected("kiosk-1", 5, "seq 5 overlaps"))));
        Assert.Same(CredentialsStale.Instance, CloudFrames.Read(CloudFrames.RenewCredentials(), "kiosk-1"));
        Assert.Null(CloudFrames.Read(new CloudFrame(), "kiosk-1"));
        Assert.Empty(CloudFrames.From("not a reply"));
    }
}
