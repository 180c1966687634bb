using System.Text;
using Fleet.Shared.Security;
using Fleet.Shared.Tests.Security.Pki;

namespace Fleet.Shared.Tests.Security;

/// <summary>Signed trust updates: only the pinned fleet CA can change the keys a device trusts, and only forwards.</summary>
public sealed class TrustUpdateTests : IDisposable
{
    private readonly TestPki _pki = new();
    private readonly string _dir = Directory.CreateTempSubdirectory("fleet-trust-").FullName;
    private readonly SigningKeyRing _ring;

    public TrustUpdateTests() => _ring = SigningKeyRing.OpenOrCreate(Path.Combine(_dir, "keys"));

    private string Current() => new TrustUpdateIssuer(_ring, _pki.Ca).Current()!;

    [Fact]
    public void An_update_signed_by_the_pinned_ca_and_newer_than_the_held_one_is_adopted()
    {
        var (trust, refusal, _) = TrustUpdates.Check(Current(), _pki.Ca.Certificate, 0);
        Assert.Null(refusal);
        Assert.Equal(_ring.ExportTrust().Version, trust!.Version);
        Assert.Equal(_ring.Kids, trust.Set.Keys.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void An_update_signed_by_another_ca_is_refused()
    {
        using var other = new TestPki();
        var foreign = new TrustUpdateIssuer(_ring, other.Ca).Current()!;
        var (trust, refusal, repeat) = TrustUpdates.Check(foreign, _pki.Ca.Certificate, 0);
        Assert.Null(trust);
        Assert.False(repeat);
        Assert.Contains("not signed by the fleet CA", refusal);
    }

    [Fact]
    public void A_tampered_update_is_refused()
    {
        var update = System.Text.Json.JsonSerializer.Deserialize<SignedTrustUpdate>(Current(), Fleet.Shared.Serialization.FleetJson.Options)!;
        var payload = Encoding.UTF8.GetString(Convert.FromBase64String(update.Payload));
        var attacker = SigningKeyRing.OpenOrCreate(Path.Combine(_dir, "attacker"));
        // The attacker's key slipped into the signed document: the signature no longer matches.
        var swapped = payload.Replace(_ring.ActiveKid, attacker.ActiveKid, StringComparison.Ordinal);
        var tampered = (update with { Payload = Convert.ToBase64String(Encoding.UTF8.GetBytes(swapped)) }).ToJson();
        Assert.Contains("not signed by the fleet CA", TrustUpdates.Check(tampered, _pki.Ca.Certificate, 0).Refusal);
        Assert.Contains("not a signed trust update", TrustUpdates.Check("{\"keys\":[]}", _pki.Ca.Certificate, 0).Refusal);
    }

    [Fact]
    public void The_held_version_again_is_a_repeat_and_an_older_one_is_refused()
    {
        var old = Current();
        var oldVersion = _ring.ExportTrust().Version;
        _ring.Rotate();
        var newVersion = _ring.ExportTrust().Version;
        Assert.True(newVersion > oldVersion);
        Assert.True(TrustUpdates.Check(Current(), _pki.Ca.Certificate, newVersion).Repeat);
        var (trust, refusal, repeat) = TrustUpdates.Check(old, _pki.Ca.Certificate, newVersion);
        Assert.Null(trust);
        Assert.False(repeat);
        Assert.Contains("not newer than the held version", refusal);
    }

    [Fact]
    public void A_revoked_key_stays_revoked_even_when_the_update_that_trusted_it_is_replayed()
    {
        var oldKid = _ring.ActiveKid;
        var trustedOld = Current();
        _ring.Rotate();
        _ring.Revoke(oldKid);
        var revoked = TrustUpdates.Check(Current(), _pki.Ca.Certificate, 0).Trust!;
        Assert.True(revoked.Set.IsRevoked(oldKid));
        Assert.Null(TrustUpdates.Check(trustedOld, _pki.Ca.Certificate, revoked.Version).Trust);
    }

    [Fact]
    public void The_issuer_signs_once_per_ring_version_and_a_node_without_the_ca_issues_none()
    {
        var issuer = new TrustUpdateIssuer(_ring, _pki.Ca);
        Assert.Same(issuer.Current(), issuer.Current());
        Assert.Null(new TrustUpdateIssuer(_ring, null).Current());
    }

    public void Dispose()
    {
        _pki.Dispose();
        try { Directory.Delete(_dir, true); } catch (IOException) { }
    }
}
