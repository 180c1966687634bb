using Fleet.Shared.Serialization;

namespace Fleet.Shared.Devices;

/// <summary>
/// A device's proof of identity inside its registration: its certificate (DER) and an ECDSA signature, made with the
/// certificate's key, over the registration's device id, installation id, address and <see cref="SignedAt"/>.
/// </summary>
public sealed record DeviceProof(byte[] Certificate, DateTimeOffset SignedAt, byte[] Signature) : IFleetProtocol;
