using System.Security.Cryptography;
using System.Text;
using Fleet.Shared.Devices;
using Fleet.Shared.Security.Pki;

namespace Fleet.Cloud.Api;

/// <summary>
/// API tokens bound to one device: <c>fld_ID_MAC</c>, where MAC is an HMAC of the id under a key derived from the fleet CA
/// key (every cloud node holding the CA verifies it, nothing else is stored). A revoked device's token stops working.
/// </summary>
public sealed class DeviceTokens(FleetCa ca, RevocationList revoked)
{
    private const string Prefix = "fld_";
    private readonly byte[] _key = ca.DeriveSecret("device-api-token");

    public string Issue(string deviceId) => $"{Prefix}{deviceId}_{Mac(deviceId)}";

    /// <summary>The device a token belongs to, or null when it is not a valid, unrevoked device token.</summary>
    public string? Validate(string token)
    {
        if (!token.StartsWith(Prefix, StringComparison.Ordinal)) return null;
        var sep = token.LastIndexOf('_');
        if (sep <= Prefix.Length) return null;
        var id = token[Prefix.Length..sep];
        if (!DeviceId.IsValid(id) || revoked.IsRevoked(id)) return null;
        var expected = Encoding.ASCII.GetBytes(Mac(id));
        var given = Encoding.ASCII.GetBytes(token[(sep + 1)..]);
        return CryptographicOperations.FixedTimeEquals(expected, given) ? id : null;
    }

    private string Mac(string deviceId) => Convert.ToHexStringLower(HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes(deviceId)));
}
