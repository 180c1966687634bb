using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Fleet.Shared.Cli;

namespace Fleet.Shared.Enrolment;

/// <summary>
/// A one-time enrolment code: <c>DEVICE.SECRET.PIN</c>. SECRET (48 random bits, hex) is the credential, kept by the cloud
/// only as its SHA-256; PIN is the start of the fleet CA's SHA-256 fingerprint, so the device can tell the real fleet
/// from a man in the middle before it trusts anything it is sent.
/// </summary>
public sealed partial record EnrolmentCode(string DeviceId, string Secret, string CaPin)
{
    public const int PinLength = 16;

    [GeneratedRegex("^(?<dev>" + Devices.DeviceId.Grammar + ")\\.(?<secret>[0-9a-f]{12})\\.(?<pin>[0-9a-f]{16})$")]
    private static partial Regex Pattern();

    public static EnrolmentCode New(string deviceId, string caFingerprint) =>
        new(deviceId, Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6)), caFingerprint[..PinLength]);

    public static EnrolmentCode Parse(string text) => TryParse(text)
        ?? throw new UsageException("the enrolment code is malformed (expected DEVICE.SECRET.PIN as printed by 'fleet-cloud enroll --code')");

    /// <summary>Null when the text is not a code at all.</summary>
    public static EnrolmentCode? TryParse(string? text)
    {
        var m = Pattern().Match(text?.Trim() ?? "");
        return m.Success ? new EnrolmentCode(m.Groups["dev"].Value, m.Groups["secret"].Value, m.Groups["pin"].Value) : null;
    }

    public string SecretHash => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(DeviceId + "." + Secret)));

    public bool Pins(string caFingerprint) => caFingerprint.StartsWith(CaPin, StringComparison.Ordinal);

    public override string ToString() => $"{DeviceId}.{Secret}.{CaPin}";
}
