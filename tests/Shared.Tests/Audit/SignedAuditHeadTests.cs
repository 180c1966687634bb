using Fleet.Shared.Audit;
using Fleet.Shared.Security.Pki;
using Fleet.Shared.Tests.Security.Pki;

namespace Fleet.Shared.Tests.Audit;

/// <summary>A device's audit head signed with its certificate's key verifies only for that device, unchanged, under the fleet CA.</summary>
public sealed class SignedAuditHeadTests : IDisposable
{
    private readonly TestPki _pki = new();
    private readonly AuditHead _head = new(42, new string('c', 64), DateTimeOffset.UtcNow);

    public void Dispose() => _pki.Dispose();

    private FleetTrust Trust => new(_pki.Ca.Certificate);

    [Fact]
    public void A_head_signed_by_the_devices_certificate_verifies_now_and_later_with_the_kept_key()
    {
        using var cert = _pki.Device("kiosk-1");
        var signed = SignedAuditHead.Sign(cert, "kiosk-1", _head);
        Assert.Null(signed.Check("kiosk-1", Trust));
        Assert.True(signed.VerifyWith(cert.PublicKey.ExportSubjectPublicKeyInfo(), "kiosk-1"));
    }

    [Fact]
    public void A_changed_count_or_hash_breaks_the_signature()
    {
        using var cert = _pki.Device("kiosk-1");
        var signed = SignedAuditHead.Sign(cert, "kiosk-1", _head);
        Assert.Contains("signature does not match", (signed with { Seq = 43 }).Check("kiosk-1", Trust));
        Assert.Contains("signature does not match", (signed with { Hash = new string('d', 64) }).Check("kiosk-1", Trust));
    }

    [Fact]
    public void Another_devices_certificate_or_one_outside_the_fleet_is_refused()
    {
        using var other = _pki.Device("kiosk-2");
        Assert.Contains("not kiosk-1", SignedAuditHead.Sign(other, "kiosk-2", _head).Check("kiosk-1", Trust));
        using var stranger = TestPki.SelfSigned("kiosk-1");
        Assert.Contains("self-signed", SignedAuditHead.Sign(stranger, "kiosk-1", _head).Check("kiosk-1", Trust));
    }
}
