using Fleet.Shared.Cli;
using Fleet.Shared.Manifests;
using Fleet.Shared.Security;
using Fleet.Shared.Tests.Support;

namespace Fleet.Shared.Tests.Manifests;

public sealed class KeyRotationTests : IDisposable
{
    private static readonly DateTimeOffset Now = SampleManifests.Issued.AddHours(1);
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Rotated_ring_signs_with_the_new_key_while_old_manifests_still_verify()
    {
        var ring = SigningKeyRing.OpenOrCreate(_dir.Path, new ManualClock(SampleManifests.Issued));
        var oldKid = ring.ActiveKid;
        var oldSigned = ManifestSigner.Sign(SampleManifests.Create(1), ring).ToJsonBytes();

        var newKid = ring.Rotate();
        var newSigned = ManifestSigner.Sign(SampleManifests.Create(2), ring);

        Assert.NotEqual(oldKid, newKid);
        Assert.Equal(newKid, newSigned.Kid);
        var trust = ring.ExportTrustSet();
        Assert.True(ManifestVerifier.Verify(oldSigned, trust, Now).IsValid);
        Assert.True(ManifestVerifier.Verify(newSigned.ToJsonBytes(), trust, Now).IsValid);

        // Reopening from disk keeps the keys and the active one.
        var reopened = SigningKeyRing.OpenOrCreate(_dir.Path, new ManualClock(SampleManifests.Issued));
        Assert.Equal(newKid, reopened.ActiveKid);
        Assert.Equal(new[] { oldKid, newKid }.Order(StringComparer.Ordinal), reopened.Kids);

        reopened.Revoke(oldKid);
        var afterRevoke = SigningKeyRing.OpenOrCreate(_dir.Path, new ManualClock(SampleManifests.Issued)).ExportTrustSet();
        Assert.Equal(RejectionReason.RevokedKey, ManifestVerifier.Verify(oldSigned, afterRevoke, Now).Reason);
        Assert.True(ManifestVerifier.Verify(newSigned.ToJsonBytes(), afterRevoke, Now).IsValid);
        Assert.DoesNotContain("private_key", File.ReadAllText(Path.Combine(_dir.Path, oldKid + ".key.json")));
    }

    [Fact]
    public void The_exported_trust_set_is_built_once_per_ring_state_and_it_and_the_signing_key_follow_every_change()
    {
        var ring = SigningKeyRing.OpenOrCreate(_dir.Path, new ManualClock(SampleManifests.Issued));
        var first = ring.ExportTrustSet();
        Assert.Same(first, ring.ExportTrustSet());
        Assert.Same(first, ring.ExportTrust().Set);
        var json = ring.ExportTrustSetJson();
        json[0] = (byte)'X'; // the caller's copy: the next export is untouched
        Assert.Equal((byte)'{', ring.ExportTrustSetJson()[0]);

        var oldKid = ring.ActiveKid;
        Assert.Equal(oldKid, ring.Sign("before"u8).Kid);
        var newKid = ring.Rotate();
        var rotated = ring.ExportTrust();
        Assert.Equal(newKid, ring.Sign("after"u8).Kid);
        Assert.NotSame(first, rotated.Set);
        Assert.True(rotated.Set.Keys.ContainsKey(newKid));
        Assert.Contains(newKid, System.Text.Encoding.UTF8.GetString(ring.ExportTrustSetJson()));
        Assert.Equal(System.Text.Encoding.UTF8.GetString(ring.ExportTrustSetJson()), ring.ExportTrustSetText());

        ring.Revoke(oldKid);
        Assert.True(ring.ExportTrustSet().IsRevoked(oldKid));
        Assert.True(ring.ExportTrust().Version > rotated.Version);
    }

    [Fact]
    public void Active_key_cannot_be_revoked_without_rotating_first()
    {
        var ring = SigningKeyRing.OpenOrCreate(_dir.Path, new ManualClock(SampleManifests.Issued));
        var e = Assert.Throws<FleetException>(() => ring.Revoke(ring.ActiveKid));
        Assert.Contains("rotate", e.Message);
        Assert.Throws<FleetException>(() => ring.Revoke("no-such-key"));
    }

    [Fact]
    public void Private_key_files_are_readable_by_the_owner_only()
    {
        if (OperatingSystem.IsWindows()) return;
        var keys = _dir.File("keys");
        var ring = SigningKeyRing.OpenOrCreate(keys);
        var file = Path.Combine(keys, ring.ActiveKid + ".key.json");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        Assert.Contains("private_key", File.ReadAllText(file));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(keys));
    }

    [Fact]
    public void Trust_set_json_round_trips_keys_and_revocations()
    {
        var ring = SigningKeyRing.OpenOrCreate(_dir.Path, new ManualClock(SampleManifests.Issued));
        var first = ring.ActiveKid;
        var signedOld = ManifestSigner.Sign(SampleManifests.Create(), ring).ToJsonBytes();
        ring.Rotate();
        ring.Revoke(first);
        var signedNew = ManifestSigner.Sign(SampleManifests.Create(), ring).ToJsonBytes();

        var json = ring.ExportTrustSetJson();
        var text = System.Text.Encoding.UTF8.GetString(json);
        Assert.Contains("\"public_key\"", text);
        Assert.DoesNotContain("private", text);

        var parsed = TrustSet.FromJson(json);
        Assert.Equal([ring.ActiveKid], parsed.Keys.Keys);
        Assert.Equal([first], parsed.Revoked);
        Assert.Equal(json, parsed.ToJsonBytes());
        Assert.True(ManifestVerifier.Verify(signedNew, parsed, Now).IsValid);
        Assert.Equal(RejectionReason.RevokedKey, ManifestVerifier.Verify(signedOld, parsed, Now).Reason);
    }

    [Fact]
    public void Invalid_trust_set_json_is_refused_as_a_whole()
    {
        Assert.Throws<FleetException>(() => TrustSet.FromJson("nope"u8));
        Assert.Throws<FleetException>(() => TrustSet.FromJson("{\"keys\":[{\"kid\":\"a\",\"alg\":\"ES256\",\"public_key\":\"AAAA\"}]}"u8));
        Assert.Throws<FleetException>(() => TrustSet.FromJson("{\"keys\":[{\"kid\":\"../x\",\"alg\":\"ES256\",\"public_key\":\"AAAA\"}]}"u8));
    }

    [Fact]
    public void A_key_signs_only_within_its_validity_which_the_trust_set_carries_and_kept_documents_outlive_it()
    {
        var clock = new ManualClock(SampleManifests.Issued);
        var ring = SigningKeyRing.OpenOrCreate(_dir.Path, clock);
        var end = DateTimeOffset.FromUnixTimeSeconds(clock.GetUtcNow().ToUnixTimeSeconds()) + SigningKeyRing.KeyValidity;
        var signed = ManifestSigner.Sign(SampleManifests.Create(1), ring).ToJsonBytes();
        // The end travels in the set's JSON, the form the fleet CA certifies in a trust update.
        var trust = TrustSet.FromJson(ring.ExportTrustSetJson());
        Assert.Equal(end, trust.NotAfter[ring.ActiveKid]);

        Assert.True(EnvelopeVerifier.Verify(signed, trust, end).IsValid);
        var late = EnvelopeVerifier.Verify(signed, trust, end.AddSeconds(1));
        Assert.Equal(RejectionReason.KeyExpired, late.Reason);
        Assert.Contains("expired", late.Message);
        Assert.True(EnvelopeVerifier.Verify(signed, trust).IsValid, "what a device already holds is checked without the time");

        // The schedule never lets the active key run into its end, whatever --rotate-every says.
        Assert.Equal(TimeSpan.FromDays(30), SigningKeyRing.RotationDue(TimeSpan.FromDays(30)));
        Assert.True(SigningKeyRing.RotationDue(null) < SigningKeyRing.KeyValidity);
        Assert.True(SigningKeyRing.RotationDue(TimeSpan.FromDays(1000)) < SigningKeyRing.KeyValidity);
        clock.Now += SigningKeyRing.RotationDue(null);
        Assert.NotNull(ring.RotateIfOlderThan(SigningKeyRing.RotationDue(null)));
        Assert.Null(ring.RotateIfOlderThan(SigningKeyRing.RotationDue(null)));
    }

}
