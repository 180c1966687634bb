using Fleet.Shared.Security;

namespace Fleet.Shared.Manifests;

/// <summary>A manifest together with the envelope that carries it; <see cref="ToJsonBytes"/> is what is served to devices.</summary>
public sealed record SignedManifest(Manifest Manifest, SignedEnvelope Envelope)
{
    public string Kid => Envelope.Kid;

    public byte[] ToJsonBytes() => Envelope.ToJsonBytes();
}
