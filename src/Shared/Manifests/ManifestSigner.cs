using Fleet.Shared.Cli;
using Fleet.Shared.Security;

namespace Fleet.Shared.Manifests;

/// <summary>Signs manifests (ES256) over their canonical bytes, refusing any manifest a device would reject as malformed.</summary>
public static class ManifestSigner
{
    public static SignedManifest Sign(Manifest manifest, EnvelopeSigner signer)
    {
        Check(manifest);
        return new SignedManifest(manifest, signer.Sign(ManifestRules.CanonicalBytes(manifest)));
    }

    public static SignedManifest Sign(Manifest manifest, SigningKeyRing ring)
    {
        Check(manifest);
        return new SignedManifest(manifest, ring.Sign(ManifestRules.CanonicalBytes(manifest)));
    }

    private static void Check(Manifest manifest)
    {
        var problem = ManifestRules.FirstProblem(manifest);
        if (problem is not null) throw new FleetException($"manifest {manifest.CampaignId} v{manifest.Version} is invalid: {problem}");
    }
}
