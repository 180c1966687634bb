using Akka.Actor;
using Fleet.Shared.Serialization;

namespace Fleet.Shared.Cluster.Attestation;

/// <summary>What one cloud node asks of another's attestor when it sees it in membership, and the signed answer.</summary>
public static class NodeAttestationProtocol
{
    /// <summary>"Prove who you are": the nonce makes every answer fresh, so a recorded statement cannot be replayed.</summary>
    public sealed record Challenge(byte[] Nonce) : IFleetProtocol;

    /// <summary>
    /// A node's statement about itself: its node certificate (DER), its Akka address and roles, when it signed, the
    /// challenge's nonce, and an ECDSA signature over all of it with the certificate's key.
    /// </summary>
    public sealed record Statement(byte[] Certificate, string Address, string[] Roles, DateTimeOffset SignedAt, byte[] Nonce, byte[] Signature)
        : IFleetProtocol;
}

/// <summary>Published on the local event stream when this node refuses (and downs) a member; the cloud audits it.</summary>
public sealed record MemberRefused(Address Address, IReadOnlyCollection<string> Roles, string Reason);

/// <summary>
/// Published on the local event stream when a member's statement checks out: from then on this node never refuses it,
/// which is what tests wait for instead of sleeping past the attestation deadline.
/// </summary>
public sealed record MemberAttested(Address Address);
