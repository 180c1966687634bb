using System.Security.Cryptography;
using System.Text;
using Fleet.Shared.Cli;
using Fleet.Shared.Manifests;
using Fleet.Shared.Security;

namespace Fleet.Shared.Tests.Manifests;

public sealed class ManifestSigningTests : IDisposable
{
    private static readonly DateTimeOffset Now = SampleManifests.Issued.AddHours(1);
    private readonly EnvelopeSigner _signer = new("key-a", ECDsa.Create(ECCurve.NamedCurves.nistP256));
    private readonly TrustSet _trust;

    public ManifestSigningTests() => _trust = TrustSet.Empty.WithKey(_signer.Kid, _signer.PublicKeySpki());

    public void Dispose() => _signer.Dispose();

    private byte[] SignedBytes(Manifest? m = null) => ManifestSigner.Sign(m ?? SampleManifests.Create(), _signer).ToJsonBytes();

    [Fact]
    public void Signed_manifest_verifies_and_round_trips_every_field()
    {
        var manifest = SampleManifests.Create();
        var result = ManifestVerifier.Verify(SignedBytes(manifest), _trust, Now);

        Assert.True(result.IsValid, result.Message);
        Assert.Equal("key-a", result.Signed!.Kid);
        Assert.Equal(ManifestRules.CanonicalBytes(manifest), ManifestRules.CanonicalBytes(result.Manifest!));
        Assert.Equal("all-MiniLM-L6-v2@1.0.0", result.Manifest!.Model.Id);
        Assert.Equal(99_000, result.Manifest.FindAsset("static.mp4")!.Size);
        Assert.Equal("Summer, sorted — ünïcødé", result.Manifest.Copy.Headlines[1].Text);
    }

    [Theory]
    [InlineData("../../etc")]
    [InlineData("promo/../../x")]
    [InlineData("a/b")]
    [InlineData("..")]
    [InlineData("Promo")]
    [InlineData("promo\u0000")]
    public void A_signed_manifest_whose_campaign_id_could_name_another_folder_is_refused(string id)
    {
        // Signed around the signer's own check, as a leaked key would: the cloud's signer refuses such a manifest.
        Assert.Throws<FleetException>(() => SignedBytes(SampleManifests.Create() with { CampaignId = id }));
        var hostile = _signer.Sign(ManifestRules.CanonicalBytes(SampleManifests.Create() with { CampaignId = id })).ToJsonBytes();
        var result = ManifestVerifier.Verify(hostile, _trust, Now);

        Assert.False(result.IsValid);
        Assert.Equal(RejectionReason.Malformed, result.Reason);
        Assert.Contains("campaign_id is not a campaign id", result.Message);
    }

    [Fact]
    public void Envelope_is_snake_case_json_with_es256()
    {
        var json = Encoding.UTF8.GetString(SignedBytes());
        Assert.StartsWith("{\"kid\":\"key-a\",\"alg\":\"ES256\",\"payload\":\"", json);
        var payload = Encoding.UTF8.GetString(Convert.FromBase64String(SignedEnvelopeOf(SignedBytes()).Payload));
        Assert.Contains("\"campaign_id\":\"sunco-summer\"", payload);
        Assert.Contains("\"static_creative\":\"static.mp4\"", payload);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(40)]
    [InlineData(-1)]
    public void Flipped_byte_in_payload_is_a_bad_signature(int index)
    {
        var env = SignedEnvelopeOf(SignedBytes());
        var payload = Convert.FromBase64String(env.Payload);
        payload[index < 0 ? payload.Length - 1 : index] ^= 0x01;
        var tampered = env with { Payload = Convert.ToBase64String(payload) };

        var result = ManifestVerifier.Verify(tampered.ToJsonBytes(), _trust, Now);

        Assert.Equal(RejectionReason.BadSignature, result.Reason);
        Assert.Null(result.Manifest);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(31)]
    [InlineData(63)]
    public void Flipped_byte_in_signature_is_a_bad_signature(int index)
    {
        var env = SignedEnvelopeOf(SignedBytes());
        var signature = Convert.FromBase64String(env.Signature);
        signature[index] ^= 0x80;
        var result = ManifestVerifier.Verify(env with { Signature = Convert.ToBase64String(signature) }, _trust, Now);
        Assert.Equal(RejectionReason.BadSignature, result.Reason);
    }

    [Fact]
    public void No_single_flipped_byte_anywhere_in_the_envelope_is_accepted()
    {
        var bytes = SignedBytes();
        Assert.True(ManifestVerifier.Verify(bytes, _trust, Now).IsValid);
        for (var i = 0; i < bytes.Length; i++)
        {
            var copy = (byte[])bytes.Clone();
            copy[i] ^= 0x01;
            var result = ManifestVerifier.Verify(copy, _trust, Now);
            Assert.False(result.IsValid, $"flipping byte {i} ('{(char)bytes[i]}') was accepted");
        }
    }

    [Fact]
    public void Unknown_kid_is_rejected_as_unknown_key()
    {
        using var other = new EnvelopeSigner("key-b", ECDsa.Create(ECCurve.NamedCurves.nistP256));
        var result = ManifestVerifier.Verify(ManifestSigner.Sign(SampleManifests.Create(), other).ToJsonBytes(), _trust, Now);
        Assert.Equal(RejectionReason.UnknownKey, result.Reason);
        Assert.Contains("key-b", result.Message);
    }

    [Fact]
    public void Signature_by_another_key_under_a_trusted_kid_is_a_bad_signature()
    {
        using var impostor = new EnvelopeSigner("key-a", ECDsa.Create(ECCurve.NamedCurves.nistP256));
        var result = ManifestVerifier.Verify(ManifestSigner.Sign(SampleManifests.Create(), impostor).ToJsonBytes(), _trust, Now);
        Assert.Equal(RejectionReason.BadSignature, result.Reason);
    }

    [Fact]
    public void Revoked_key_is_rejected_even_though_it_was_trusted()
    {
        var result = ManifestVerifier.Verify(SignedBytes(), _trust.WithRevoked("key-a"), Now);
        Assert.Equal(RejectionReason.RevokedKey, result.Reason);
    }

    [Fact]
    public void Expired_and_not_yet_valid_are_told_apart()
    {
        var bytes = SignedBytes();
        var m = SampleManifests.Create();
        Assert.Equal(RejectionReason.Expired, ManifestVerifier.Verify(bytes, _trust, m.ExpiresAt).Reason);
        Assert.True(ManifestVerifier.Verify(bytes, _trust, m.ExpiresAt.AddTicks(-1)).IsValid);
        Assert.Equal(RejectionReason.NotYetValid, ManifestVerifier.Verify(bytes, _trust, m.IssuedAt.AddMinutes(-3)).Reason);
        Assert.True(ManifestVerifier.Verify(bytes, _trust, m.IssuedAt.AddMinutes(-1)).IsValid); // within clock skew
        Assert.Equal(RejectionReason.NotYetValid, ManifestVerifier.Verify(bytes, _trust, m.IssuedAt.AddMinutes(-1), TimeSpan.Zero).Reason);
    }

    [Fact]
    public void Garbage_unsupported_alg_and_non_manifest_payloads_are_malformed()
    {
        Assert.Equal(RejectionReason.Malformed, ManifestVerifier.Verify("not json"u8, _trust, Now).Reason);
        Assert.Equal(RejectionReason.Malformed, ManifestVerifier.Verify("{\"kid\":\"key-a\"}"u8, _trust, Now).Reason);
        var env = SignedEnvelopeOf(SignedBytes());
        Assert.Equal(RejectionReason.Malformed, ManifestVerifier.Verify(env with { Alg = "none" }, _trust, Now).Reason);
        var signedJunk = _signer.Sign("{\"campaign_id\":\"x\"}"u8);
        var junk = ManifestVerifier.Verify(signedJunk, _trust, Now);
        Assert.Equal(RejectionReason.Malformed, junk.Reason);
    }

    [Fact]
    public void Signer_refuses_a_manifest_devices_would_reject()
    {
        var bad = SampleManifests.Create() with { StaticCreative = "missing.mp4" };
        var e = Assert.Throws<FleetException>(() => ManifestSigner.Sign(bad, _signer));
        Assert.Contains("missing.mp4", e.Message);
    }

    private static SignedEnvelope SignedEnvelopeOf(byte[] json)
    {
        Assert.True(SignedEnvelope.TryParse(json, out var env, out var error), error);
        return env!;
    }
}
