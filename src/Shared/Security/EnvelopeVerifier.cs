using System.Security.Cryptography;

namespace Fleet.Shared.Security;

/// <summary>Checks an envelope's signature against a trust set and hands back the exact payload bytes that were signed.</summary>
public static class EnvelopeVerifier
{
    /// <param name="at">When the document is taken in: a key whose validity ended before is refused. Null for what a
    /// device already verified and keeps (a device offline past a key's end goes on rendering what it holds).</param>
    public static EnvelopeVerification Verify(ReadOnlySpan<byte> envelopeJson, TrustSet trust, DateTimeOffset? at = null)
    {
        if (!SignedEnvelope.TryParse(envelopeJson, out var envelope, out var error))
            return EnvelopeVerification.Reject(RejectionReason.Malformed, error);
        return Verify(envelope!, trust, at);
    }

    public static EnvelopeVerification Verify(SignedEnvelope envelope, TrustSet trust, DateTimeOffset? at = null)
    {
        if (envelope.Alg != SignedEnvelope.Es256)
            return EnvelopeVerification.Reject(RejectionReason.Malformed, $"unsupported signature algorithm '{envelope.Alg}' (expected ES256)");
        var payload = envelope.TryDecodePayload();
        var signature = envelope.TryDecodeSignature();
        if (payload is null || signature is null)
            return EnvelopeVerification.Reject(RejectionReason.Malformed, "payload or signature is not canonical base64");
        if (trust.IsRevoked(envelope.Kid))
            return EnvelopeVerification.Reject(RejectionReason.RevokedKey, $"signing key '{envelope.Kid}' has been revoked");
        if (at is { } now && trust.ExpiredAt(envelope.Kid, now) is { } ended)
            return EnvelopeVerification.Reject(RejectionReason.KeyExpired, $"signing key '{envelope.Kid}' expired at {ended:u}");
        using var key = trust.OpenPublicKey(envelope.Kid);
        if (key is null)
            return EnvelopeVerification.Reject(RejectionReason.UnknownKey, $"signing key '{envelope.Kid}' is not in the trust set");
        var valid = key.VerifyData(payload, signature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        return valid
            ? new EnvelopeVerification(payload, envelope.Kid, null, "")
            : EnvelopeVerification.Reject(RejectionReason.BadSignature, $"signature does not match the payload for key '{envelope.Kid}'");
    }
}

/// <summary>Either the verified payload bytes (and the kid that signed them) or why they were refused.</summary>
public sealed record EnvelopeVerification(byte[]? Payload, string? Kid, RejectionReason? Reason, string Message)
{
    public bool IsValid => Reason is null;

    internal static EnvelopeVerification Reject(RejectionReason reason, string message) => new(null, null, reason, message);
}
