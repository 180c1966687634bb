using System.Security.Cryptography;
using System.Text;
using Fleet.Shared.Campaigns;
using Fleet.Shared.Manifests;
using Fleet.Shared.Security;

namespace Fleet.Shared.Tests.Manifests;

/// <summary>Copy pools by locale travel in the signed manifest; a manifest without them signs the bytes it always did.</summary>
public sealed class ManifestLocalesTests
{
    private static readonly LocaleCopy German = new()
    {
        Voice = new VoiceSpec("de", 165),
        Headlines = [new CopyVariant("de-h-1", "Sommer-Sale bei SunCo")],
        Ctas = [new CopyVariant("de-c-1", "Jetzt kaufen")],
        DefaultCopy = new DefaultCopy("Sommer-Sale", "Jetzt kaufen"),
        Blocklist = ["gratis"],
    };

    [Fact]
    public void Locales_survive_signing_and_become_the_campaign_a_device_renders()
    {
        var plain = SampleManifests.Create();
        Assert.DoesNotContain("locale", Encoding.UTF8.GetString(ManifestRules.CanonicalBytes(plain)));

        using var signer = new EnvelopeSigner("key-a", ECDsa.Create(ECCurve.NamedCurves.nistP256));
        var trust = TrustSet.Empty.WithKey(signer.Kid, signer.PublicKeySpki());
        var localised = plain with { Locale = "en", Locales = new Dictionary<string, LocaleCopy> { ["de"] = German } };
        var result = ManifestVerifier.Verify(ManifestSigner.Sign(localised, signer).ToJsonBytes(), trust, SampleManifests.Issued.AddHours(1));
        Assert.True(result.IsValid, result.Message);

        var spec = result.Manifest!.ToSpec([]);
        var (german, pool, fallback) = CampaignLocales.Resolve(spec, "de-CH");
        Assert.Equal(("de", (string?)null), (pool, fallback));
        Assert.Equal("de-h-1", german.Headlines.Single().Id);
        Assert.Equal(new VoiceSpec("de", 165), german.Voice);
    }

    [Fact]
    public void A_locale_pool_without_copy_is_never_signed()
    {
        using var signer = new EnvelopeSigner("key-a", ECDsa.Create(ECCurve.NamedCurves.nistP256));
        var empty = SampleManifests.Create() with { Locales = new Dictionary<string, LocaleCopy> { ["de"] = German with { Ctas = [] } } };
        var e = Assert.Throws<Fleet.Shared.Cli.FleetException>(() => ManifestSigner.Sign(empty, signer));
        Assert.Contains("locale 'de' needs at least one headline, one CTA and its default copy", e.Message);
    }
}
