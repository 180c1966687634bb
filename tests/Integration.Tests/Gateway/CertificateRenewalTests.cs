using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Akka.Actor;
using Akka.Hosting;
using Fleet.Cloud.Audit;
using Fleet.Cloud.Enrolment;
using Fleet.Cloud.Hosting;
using Fleet.Edge.Identity;
using Fleet.Shared.Devices;
using Fleet.Shared.Gateway;
using Fleet.Shared.Gateway.Wire;
using Fleet.Shared.Security.Pki;
using Grpc.Core;

namespace Fleet.Integration.Tests.Gateway;

/// <summary>
/// Device certificates renew through the device's own stream, for its own id only, never for a revoked device; an
/// expired certificate neither connects nor stays connected. A real gateway and registry, real TLS on loopback.
/// </summary>
[Collection(SecondClusterCollection.Name)]
public sealed class CertificateRenewalTests
{
    private static async Task<(CloudUnderTest Cloud, FleetCa Ca)> StartAsync(TempDir tmp, TimeSpan? deviceCertLifetime = null)
    {
        var cloud = await CloudUnderTest.StartAsync(await Databases.FreshAsync(Databases.Sqlite, tmp.Path), tmp.Sub("cloud"), secure: true,
            configure: o => o with { DeviceCertificateLifetime = deviceCertLifetime ?? o.DeviceCertificateLifetime });
        return (cloud, FleetCa.Load(CloudOptions.DefaultCaKeyPath(tmp.Sub("cloud"))));
    }

    private static string[] AuditLines(CloudUnderTest cloud) => File.ReadAllLines(Path.Combine(cloud.Options.DataDir, CloudAudit.LogFile));

    /// <summary>The certificate file as it is now (each renewal replaces it with one rename, so a read never sees half of one).</summary>
    private static X509Certificate2 CertificateOnDisk(string data) =>
        X509Certificate2.CreateFromPem(File.ReadAllText(Path.Combine(EnrolmentStore.DirOf(data), EnrolmentStore.CertFile)));

    private static async Task<RawDevice> RegisteredAsync(CloudUnderTest cloud, FleetCa ca, string deviceId, TimeSpan lifetime)
    {
        var device = new RawDevice(cloud.Gateway, ca.IssueDeviceWithKey(deviceId, lifetime), ca.Certificate);
        await device.SendAsync(device.Register(deviceId));
        Assert.NotNull(await device.UntilAsync(CloudFrame.BodyOneofCase.Registered));
        return device;
    }

    [Fact]
    public async Task A_device_renews_its_short_lived_certificate_through_the_gateway_and_keeps_connecting_after_the_original_expired()
    {
        using var tmp = new TempDir();
        var (cloud, _) = await StartAsync(tmp, TimeSpan.FromSeconds(15));
        await using var _c = cloud;
        var data = await cloud.EnrolAsync("kiosk-renew", tmp.Sub("edge"));
        using var original = CertificateOnDisk(data);
        await using var edge = EdgeUnderTest.StartEnrolled(data);
        var first = await Eventually.Until(cloud.DevicesAsync, d => d.Any(v => v.DeviceId == "kiosk-renew" && v.Connectivity == Connectivity.Up),
            TimeSpan.FromSeconds(30), "kiosk-renew connected with its enrolment certificate");

        var renewed = await Eventually.Until(() => Task.FromResult(CertificateOnDisk(data)), c => c.SerialNumber != original.SerialNumber,
            TimeSpan.FromSeconds(40), "a renewed certificate on disk");
        Assert.True(renewed.NotAfter > original.NotAfter);
        Assert.Equal("kiosk-renew", FleetCertificates.DeviceIdOf(renewed));
        Assert.False(renewed.PublicKey.EncodedKeyValue.RawData.SequenceEqual(original.PublicKey.EncodedKeyValue.RawData), "a renewal comes with a new key");
        if (!OperatingSystem.IsWindows())
            foreach (var file in new[] { EnrolmentStore.KeyFile, EnrolmentStore.CertFile })
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(EnrolmentStore.DirOf(data), file)));

        // Past the original certificate's end, the device is connected on a stream opened with a renewed certificate:
        // the gateway closes streams whose certificate expired and refuses expired certificates at the handshake.
        var untilExpiry = original.NotAfter.ToUniversalTime() - DateTime.UtcNow + TimeSpan.FromSeconds(1);
        if (untilExpiry > TimeSpan.Zero) await Task.Delay(untilExpiry);
        var firstAddress = first.Single(v => v.DeviceId == "kiosk-renew").Address;
        await Eventually.Until(cloud.DevicesAsync,
            d => d.Any(v => v.DeviceId == "kiosk-renew" && v.Connectivity == Connectivity.Up && v.Address != firstAddress
                            && v.CertificateSerial != original.SerialNumber && v.CertificateSerial == CertificateOnDisk(data).SerialNumber),
            TimeSpan.FromSeconds(30), "kiosk-renew connected after its original certificate expired, with the renewed one");
        Assert.False(edge.Run.IsCompleted, "the agent keeps running");

        var audit = AuditLines(cloud);
        Assert.Contains(audit, l => l.Contains(EnrolmentService.CertificateSignedAction) && l.Contains("via renewal") && l.Contains(renewed.SerialNumber));
        Assert.Contains(File.ReadAllLines(Path.Combine(data, "audit.log")), l => l.Contains("certificate-renewed") && l.Contains(renewed.SerialNumber));
    }

    [Fact]
    public async Task A_request_gets_a_certificate_for_the_streams_own_device_only_and_one_naming_another_device_is_refused_and_audited()
    {
        using var tmp = new TempDir();
        var (cloud, ca) = await StartAsync(tmp);
        await using var _c = cloud;
        using var device = await RegisteredAsync(cloud, ca, "kiosk-a", TimeSpan.FromDays(1));

        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        await device.SendAsync(DeviceFrames.RenewCertificate(DeviceCsr.Create("kiosk-a", key)));
        var answer = (await device.UntilAsync(CloudFrame.BodyOneofCase.Certificate))!.Certificate;
        Assert.Equal("", answer.Refused);
        using var issued = X509Certificate2.CreateFromPem(answer.CertificatePem);
        Assert.Equal("kiosk-a", FleetCertificates.DeviceIdOf(issued));
        Assert.Null(new FleetTrust(ca.Certificate).Check(issued));
        Assert.Equal(key.ExportSubjectPublicKeyInfo(), issued.PublicKey.ExportSubjectPublicKeyInfo());
        Assert.NotEqual(device.Certificate.SerialNumber, issued.SerialNumber);
        await Eventually.Until(cloud.DevicesAsync, d => d.Any(v => v.DeviceId == "kiosk-a" && v.CertificateSerial == issued.SerialNumber),
            TimeSpan.FromSeconds(10), "the registry recording the renewed serial");

        // At most one renewal per interval: a second request at once gets a reason, not a certificate, and the stream stays.
        using var again = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        await device.SendAsync(DeviceFrames.RenewCertificate(DeviceCsr.Create("kiosk-a", again)));
        var limited = (await device.UntilAsync(CloudFrame.BodyOneofCase.Certificate))!.Certificate;
        Assert.Equal("", limited.CertificatePem);
        Assert.StartsWith("rate limit", limited.Refused);

        using var other = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        await device.SendAsync(DeviceFrames.RenewCertificate(DeviceCsr.Create("kiosk-b", other)));
        var refused = await device.UntilAsync(CloudFrame.BodyOneofCase.Refused);
        Assert.Equal("a certificate request naming device 'kiosk-b' arrived on the stream of device 'kiosk-a'", refused!.Refused.Reason);
        Assert.Null(await device.NextAsync());

        var audit = AuditLines(cloud);
        Assert.Contains(audit, l => l.Contains("gateway.frame-refused") && l.Contains("device:kiosk-a") && l.Contains("kiosk-b"));
        Assert.Contains(audit, l => l.Contains(DeviceCertificateRenewal.RefusedAction) && l.Contains("kiosk-a") && l.Contains("rate limit"));
        Assert.Single(audit, l => l.Contains(EnrolmentService.CertificateSignedAction) && l.Contains("via renewal"));
        Assert.DoesNotContain(audit, l => l.Contains(EnrolmentService.CertificateSignedAction) && l.Contains("kiosk-b"));
    }

    [Fact]
    public async Task A_revoked_devices_renewal_is_refused_even_before_its_gateway_heard_of_the_revocation()
    {
        using var tmp = new TempDir();
        var (cloud, ca) = await StartAsync(tmp);
        await using var _c = cloud;
        using var device = await RegisteredAsync(cloud, ca, "kiosk-r", TimeSpan.FromDays(1));
        // Revoked in the registry only: the gateway's list and the device's open stream do not know yet.
        var region = ActorRegistry.For(cloud.System).Get<DeviceRegion>();
        Assert.True((await region.Ask<DeviceReplies.RevokeResult>(new DeviceCommands.Revoke("kiosk-r", "test"), TimeSpan.FromSeconds(10))).Known);

        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        await device.SendAsync(DeviceFrames.RenewCertificate(DeviceCsr.Create("kiosk-r", key)));
        var answer = (await device.UntilAsync(CloudFrame.BodyOneofCase.Certificate))!.Certificate;
        Assert.Equal("", answer.CertificatePem);
        Assert.Contains("device 'kiosk-r' was revoked", answer.Refused);

        var audit = AuditLines(cloud);
        Assert.Contains(audit, l => l.Contains(DeviceCertificateRenewal.RefusedAction) && l.Contains("kiosk-r") && l.Contains("revoked"));
        Assert.DoesNotContain(audit, l => l.Contains(EnrolmentService.CertificateSignedAction) && l.Contains("via renewal"));
    }

    [Fact]
    public async Task An_expired_certificate_is_refused_at_the_handshake_and_a_stream_ends_when_its_certificate_expires()
    {
        using var tmp = new TempDir();
        var (cloud, ca) = await StartAsync(tmp);
        await using var _c = cloud;

        using (var expired = new RawDevice(cloud.Gateway, ca.IssueDeviceWithKey("kiosk-old", TimeSpan.FromDays(1), DateTimeOffset.UtcNow.AddDays(-3)), ca.Certificate))
        {
            var refused = await Assert.ThrowsAnyAsync<Exception>(async () =>
            {
                await expired.SendAsync(expired.Register("kiosk-old"));
                await expired.NextAsync();
            });
            Assert.True(RawDevice.IsRefusedHandshake(refused), $"the handshake is refused, got {refused.GetType().Name}: {refused.Message}");
        }

        // A certificate that expires while its stream is open: the gateway ends the stream at expiry.
        using var shortLived = await RegisteredAsync(cloud, ca, "kiosk-brief", TimeSpan.FromSeconds(6));
        var ended = await Task.Run(async () =>
        {
            try { while (await shortLived.NextAsync(TimeSpan.FromSeconds(30)) is not null) { } return "ended"; }
            catch (RpcException e) when (e.StatusCode != StatusCode.DeadlineExceeded && e.StatusCode != StatusCode.Cancelled) { return "ended"; }
            catch (OperationCanceledException) { return "still open"; }
            catch (RpcException) { return "still open"; }
        });
        Assert.Equal("ended", ended);
        Assert.True(DateTime.UtcNow > shortLived.Certificate.NotAfter.ToUniversalTime(), "the stream ended because the certificate expired");
        Assert.Contains(AuditLines(cloud), l => l.Contains("gateway.certificate-expired") && l.Contains("kiosk-brief"));
        Assert.DoesNotContain(await cloud.DevicesAsync(), v => v.DeviceId == "kiosk-old");
    }
}
