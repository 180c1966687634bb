using System.CommandLine;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Fleet.Edge.Identity;
using Fleet.Shared.Cli;
using Fleet.Shared.Enrolment;
using Fleet.Shared.Http;
using Fleet.Shared.Security.Pki;
using Fleet.Shared.Serialization;

namespace Fleet.Edge.Cli;

/// <summary><c>fleet-edge enroll</c>: exchanges a one-time code for a certificate (key made here), or installs a bundle.</summary>
public static class EnrollVerb
{
    private static readonly Option<string?> Code = CliOption.Text("--code",
        "the one-time code (from 'fleet-cloud enroll --code'): makes this device's key, sends a signing request with the code and stores the certificate under <data>/enrolment (key mode 600). The code pins the fleet CA, so a server that is not this fleet's is refused before anything is trusted",
        "CODE");
    private static readonly Option<string?> Api = CliOption.Text("--api", "the fleet's API, with --code", "URL");
    private static readonly Option<string?> Bundle = CliOption.Text("--bundle", "install a bundle file made by 'fleet-cloud enroll --out' instead", "FILE");
    private static readonly Option<string> Data = CliOption.Text("--data", "./data/edge", "the device's data folder; afterwards 'fleet-edge agent --data DIR' joins with mutual TLS by itself", "DIR");

    public static Command Create()
    {
        var command = new Command("enroll", "enrol this device: --code CODE --api URL, or --bundle FILE") { Code, Api, Bundle, Data };
        command.SetAction((r, _) => RunAsync(r));
        return command;
    }

    private static async Task<int> RunAsync(ParseResult r)
    {
        var data = Path.GetFullPath(r.GetValue(Data)!);
        if (EnrolmentStore.Exists(data)) throw new FleetException($"this device is already enrolled ({EnrolmentStore.DirOf(data)}); remove that folder to enrol it again");
        EdgeCredentials creds;
        if (r.GetValue(Bundle) is { } file)
        {
            if (r.GetValue(Code) is not null) throw new UsageException("pass --code or --bundle, not both");
            var bundle = EnrolmentBundle.Parse(File.ReadAllText(file), file);
            creds = EnrolmentStore.Save(data, bundle, bundle.PrivateKeyPem ?? throw new FleetException($"{file} holds no private key"));
        }
        else
        {
            var code = EnrolmentCode.Parse(r.GetValue(Code) ?? throw new UsageException("missing required option --code"));
            creds = await RedeemAsync(code, (r.GetValue(Api) ?? throw new UsageException("missing required option --api")).TrimEnd('/'), data);
        }
        Console.WriteLine(r.GetValue(FleetCli.Json)
            ? JsonSerializer.Serialize(new { device_id = creds.DeviceId, data = EnrolmentStore.DirOf(data), seeds = creds.Bundle.Seeds, not_after = creds.Certificate.NotAfter.ToUniversalTime() }, FleetJson.Indented)
            : $"enrolled as {creds.DeviceId}: certificate valid until {creds.Certificate.NotAfter.ToUniversalTime():u}, stored in {EnrolmentStore.DirOf(data)}; " +
              $"start with: fleet-edge agent --data {data}");
        return 0;
    }

    private static async Task<EdgeCredentials> RedeemAsync(EnrolmentCode code, string api, string data)
    {
        // Step 1: fetch the CA over a connection not yet trusted, and accept it only if the code pins it.
        X509Certificate2 ca;
        using (var bootstrap = Client(null))
        {
            var pem = await Call(() => bootstrap.GetStringAsync($"{api}/enrolment/v1/ca"), api);
            ca = X509Certificate2.CreateFromPem(pem);
            if (!code.Pins(FleetCertificates.Fingerprint(ca)))
                throw new FleetException($"the server at {api} is not the fleet this code was issued for (CA fingerprint mismatch)");
        }
        // Step 2: from now on an HTTPS server must present a certificate from that CA.
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var csr = new CertificateRequest($"CN={code.DeviceId}", key, HashAlgorithmName.SHA256).CreateSigningRequestPem();
        using var http = Client(ca);
        var response = await Call(() => http.PostAsJsonAsync($"{api}/enrolment/v1/redeem", new RedeemRequest(code.ToString(), csr), FleetJson.Options), api);
        var body = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode)
        {
            string? reason = null;
            try { reason = JsonDocument.Parse(body).RootElement.GetProperty("error").GetString(); } catch (Exception e) when (e is JsonException or KeyNotFoundException) { }
            throw new FleetException($"enrolment refused: {reason ?? $"HTTP {(int)response.StatusCode}"}");
        }
        var bundle = EnrolmentBundle.Parse(body, api);
        if (FleetCertificates.Fingerprint(X509Certificate2.CreateFromPem(bundle.CaCertificatePem)) != FleetCertificates.Fingerprint(ca))
            throw new FleetException("the enrolment answer names a different CA than the one the code pins");
        return EnrolmentStore.Save(data, bundle, key.ExportPkcs8PrivateKeyPem());
    }

    private static HttpClient Client(X509Certificate2? ca)
    {
        var handler = new HttpClientHandler();
        if (ca is null) handler.ServerCertificateCustomValidationCallback = (_, _, _, _) => true; // only the pinned CA is read
        else
        {
            var trust = new FleetTrust(ca);
            handler.ServerCertificateCustomValidationCallback = (_, cert, _, _) => cert is not null && trust.Check(cert) is null;
        }
        return FleetHttp.Create(FleetHttp.Enrolment, handler);
    }

    private static async Task<T> Call<T>(Func<Task<T>> call, string api)
    {
        try { return await call(); }
        catch (HttpRequestException e) { throw new FleetException($"cannot reach {api}: {e.Message}"); }
        catch (TaskCanceledException) { throw new FleetException($"{api} did not answer within {FleetHttp.Enrolment.Timeout.TotalSeconds:0}s"); }
    }
}
