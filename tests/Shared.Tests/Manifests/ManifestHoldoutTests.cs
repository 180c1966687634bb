using System.Security.Cryptography;
using System.Text;
using Fleet.Shared.Manifests;
using Fleet.Shared.Security;

namespace Fleet.Shared.Tests.Manifests;

/// <summary>The holdout and exploration shares travel in the signed manifest without changing manifests that set neither.</summary>
public sealed class ManifestHoldoutTests
{
    [Fact]
    public void Shares_of_0_leave_the_canonical_bytes_as_before_and_set_shares_survive_signing()
    {
        var plain = SampleManifests.Create();
        Assert.DoesNotContain("holdout", Encoding.UTF8.GetString(ManifestRules.CanonicalBytes(plain)));
        Assert.DoesNotContain("exploration", Encoding.UTF8.GetString(ManifestRules.CanonicalBytes(plain)));

        using var signer = new EnvelopeSigner("key-a", ECDsa.Create(ECCurve.NamedCurves.nistP256));
        var trust = TrustSet.Empty.WithKey(signer.Kid, signer.PublicKeySpki());
        var shares = plain with { Holdout = 0.1, Exploration = 0.05 };
        var result = ManifestVerifier.Verify(ManifestSigner.Sign(shares, signer).ToJsonBytes(), trust, SampleManifests.Issued.AddHours(1));
        Assert.True(result.IsValid, result.Message);
        Assert.Equal((0.1, 0.05), (result.Manifest!.Holdout, result.Manifest.Exploration));
    }

    [Fact]
    public void A_share_outside_0_to_1_is_never_signed()
    {
        using var signer = new EnvelopeSigner("key-a", ECDsa.Create(ECCurve.NamedCurves.nistP256));
        var e = Assert.Throws<Fleet.Shared.Cli.FleetException>(() => ManifestSigner.Sign(SampleManifests.Create() with { Holdout = 1.5 }, signer));
        Assert.Contains("holdout 1.5 is not a share between 0 and 1", e.Message);
        Assert.Null(ManifestRules.FirstProblem(SampleManifests.Create() with { Exploration = 1 }));
        Assert.Contains("exploration", ManifestRules.FirstProblem(SampleManifests.Create() with { Exploration = -0.1 }));
    }
}
