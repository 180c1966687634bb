namespace Fleet.Shared.Security;

/// <summary>Why a signed document (manifest, audit head, kill directive) or a token was refused.</summary>
public enum RejectionReason
{
    Malformed,
    UnknownKey,
    RevokedKey,
    BadSignature,
    Expired,
    NotYetValid,
    /// <summary>The signing key's validity period (in the trust set) ended before the document was checked.</summary>
    KeyExpired,
}
