using System.Text.Json;
using Fleet.Shared.Cli;
using Fleet.Shared.Serialization;

namespace Fleet.Shared.Enrolment;

/// <summary>
/// Everything a device needs to join by itself: its certificate (and key, when the cloud made it), the fleet CA, the
/// gateways to connect to (seed addresses too, for development membership), the API URL and a device API token bound
/// to this device. Written with mode 600: it may hold a key.
/// </summary>
public sealed record EnrolmentBundle(
    string DeviceId,
    string CertificatePem,
    string? PrivateKeyPem,
    string CaCertificatePem,
    IReadOnlyList<string> Seeds,
    string? ApiUrl,
    IReadOnlyDictionary<string, string> Tags,
    string? ApiToken,
    IReadOnlyList<string>? Gateways = null)
{
    public string ToJson() => JsonSerializer.Serialize(this, FleetJson.Indented) + "\n";

    public static EnrolmentBundle Parse(string json, string source)
    {
        try
        {
            var b = JsonSerializer.Deserialize<EnrolmentBundle>(json, FleetJson.Options);
            if (b is null || string.IsNullOrEmpty(b.DeviceId) || string.IsNullOrEmpty(b.CertificatePem) || string.IsNullOrEmpty(b.CaCertificatePem))
                throw new FleetException($"{source} is not an enrolment bundle (device_id, certificate_pem and ca_certificate_pem are required)");
            return b with { Seeds = b.Seeds ?? Array.Empty<string>(), Tags = b.Tags ?? new Dictionary<string, string>(), Gateways = b.Gateways ?? Array.Empty<string>() };
        }
        catch (JsonException e)
        {
            throw new FleetException($"{source} is not valid JSON: {e.Message}");
        }
    }
}

/// <summary>The device's half of code enrolment: the code and a certificate signing request for a key made on the device.</summary>
public sealed record RedeemRequest(string Code, string CsrPem);
