using Fleet.Shared.Cli;
using Fleet.Shared.Persistence;
using Fleet.Shared.Security;
using Fleet.Shared.Tests.Support;

namespace Fleet.Shared.Tests.Security;

/// <summary>The key ring in a real SQLite database: shared by every ring opened on it, private halves sealed.</summary>
public sealed class DbKeyRingStorageTests : IDisposable
{
    private readonly TempDir _dir = new();
    private readonly SecretSealer _sealer = new("the deployment's key secret, 32+"u8);

    private ControlStore Store() => ControlStore.Open(DbTarget.Sqlite(_dir.File("fleet.db")));

    [Fact]
    public void Two_rings_on_one_database_share_the_first_key_and_see_a_rotation_after_reload()
    {
        var a = SigningKeyRing.Open(new DbKeyRingStorage(Store(), _sealer));
        var b = SigningKeyRing.Open(new DbKeyRingStorage(Store(), _sealer));
        Assert.Equal(a.ActiveKid, b.ActiveKid);
        Assert.Single(b.Kids);

        var rotated = a.Rotate();
        b.Reload();
        Assert.Equal(rotated, b.ActiveKid);
        Assert.Equal(rotated, b.Sign("x"u8).Kid);
        Assert.Equal(a.ExportTrustSetJson(), b.ExportTrustSetJson());
        Assert.Equal(a.ExportTrust().Version, b.ExportTrust().Version);

        var old = b.Kids.Single(k => k != rotated);
        b.Revoke(old);
        a.Reload();
        Assert.True(a.ExportTrustSet().IsRevoked(old));
        Assert.Throws<FleetException>(() => a.Revoke(rotated));
    }

    [Fact]
    public void The_database_holds_no_private_key_in_the_clear_and_another_secret_cannot_open_it()
    {
        var ring = SigningKeyRing.Open(new DbKeyRingStorage(Store(), _sealer));
        using var signer = ring.ActiveSigner();
        var stored = Store().Read(tx => tx.Query("SELECT private_sealed FROM fleet_signing_keys", r => r.GetString(0))).Single();
        Assert.StartsWith("v1.", stored);

        var wrong = new SecretSealer("another deployment's secret...."u8);
        var e = Assert.Throws<FleetException>(() => SigningKeyRing.Open(new DbKeyRingStorage(Store(), wrong)));
        Assert.Contains("does not open with this node's key secret", e.Message);
    }

    public void Dispose() => _dir.Dispose();
}
