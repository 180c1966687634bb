using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Fleet.Cloud.Api;
using Fleet.Shared.Devices;
using Fleet.Shared.Enrolment;
using Fleet.Shared.Security.Pki;

namespace Fleet.Integration.Tests.Security;

/// <summary>
/// A real <c>fleet-cloud agent</c> process (control, render, gateway) with mutual TLS and a fresh fleet CA, and ways to
/// make devices (good or bad) that connect to its gateway.
/// </summary>
public sealed class SecureFleet : IDisposable
{
    private readonly TempDir _tmp;

    private SecureFleet(TempDir tmp, FleetCa ca, FleetProcess cloud, int port, int http, int gatewayPort)
    {
        _tmp = tmp;
        Ca = ca;
        Cloud = cloud;
        Port = port;
        Api = $"http://127.0.0.1:{http}";
        Gateway = $"127.0.0.1:{gatewayPort}";
    }

    public FleetCa Ca { get; }
    public FleetProcess Cloud { get; }
    public int Port { get; }
    public string Api { get; }
    public string CloudData => _tmp.Sub("cloud");
    public string Seed => $"127.0.0.1:{Port}";
    /// <summary>Where devices connect: the cloud's gateway (gRPC, mutual TLS).</summary>
    public string Gateway { get; }

    public static async Task<SecureFleet> StartAsync(TempDir tmp)
    {
        var (port, http, gateway) = (Ports.Free(), Ports.Free(), Ports.Free());
        var ca = FleetCa.Create(Path.Combine(tmp.Sub("cloud"), "ca", FleetCa.KeyFile));
        var cloud = FleetProcess.Cloud("agent", "--port", $"{port}", "--http", $"{http}", "--gateway-port", $"{gateway}", "--data", tmp.Sub("cloud"));
        var fleet = new SecureFleet(tmp, ca, cloud, port, http, gateway);
        await Eventually.Until(() => Task.FromResult(cloud.Lines), l => l.Any(x => x.StartsWith("fleet-cloud: node akka.ssl.tcp://")),
            TimeSpan.FromSeconds(40), "cloud started with TLS");
        return fleet;
    }

    public ApiClient Client() => new(Api, File.ReadAllText(Path.Combine(CloudData, AdminToken.FileName)).Trim());

    public async Task<List<DeviceReplies.DeviceView>> DevicesAsync()
    {
        using var api = Client();
        return await api.GetAsync<List<DeviceReplies.DeviceView>>("api/v1/devices");
    }

    /// <summary>A one-time code through the real <c>fleet-cloud enroll --code</c> verb (tagged store=lisbon).</summary>
    public async Task<string> IssueCodeAsync(string deviceId, string ttl)
    {
        using var p = FleetProcess.Cloud("enroll", "--device-id", deviceId, "--code", "--ttl", ttl, "--tags", "store=lisbon", "--json",
            "--api", Api, "--data", CloudData);
        Assert.Equal(0, await p.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        return System.Text.Json.JsonDocument.Parse(string.Join("\n", p.Lines)).RootElement.GetProperty("code").GetString()!;
    }

    /// <summary>Writes an enrolment folder as <c>fleet-edge enroll</c> would, but with any certificate (bad ones included).</summary>
    public string DeviceData(string name, string claimedId, X509Certificate2 cert, X509Certificate2? ca = null)
    {
        var dir = Path.Combine(_tmp.Sub(name), "enrolment");
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "device.crt"), cert.ExportCertificatePem());
        File.WriteAllText(Path.Combine(dir, "device.key"), FleetCertificates.KeyPem(cert));
        File.WriteAllText(Path.Combine(dir, "ca.crt"), (ca ?? Ca.Certificate).ExportCertificatePem());
        File.WriteAllText(Path.Combine(dir, "bundle.json"), new EnrolmentBundle(claimedId, cert.ExportCertificatePem(), null,
            (ca ?? Ca.Certificate).ExportCertificatePem(), Array.Empty<string>(), Api, new Dictionary<string, string>(), null, new[] { Gateway }).ToJson());
        return _tmp.Sub(name);
    }

    public X509Certificate2 DeviceCert(string id) => Ca.IssueDeviceWithKey(id, TimeSpan.FromDays(30));

    public static X509Certificate2 SelfSigned(string id)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var req = new CertificateRequest($"CN={id}, OU=device, O=Fleet", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddUri(new Uri(FleetCertificates.DeviceUri(id)));
        req.CertificateExtensions.Add(san.Build());
        var cert = req.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        return X509CertificateLoader.LoadPkcs12(cert.Export(X509ContentType.Pkcs12), null, X509KeyStorageFlags.Exportable);
    }

    public void Dispose()
    {
        Cloud.Terminate();
        try { Cloud.WaitForExitAsync(TimeSpan.FromSeconds(15)).GetAwaiter().GetResult(); } catch (OperationCanceledException) { }
        Cloud.Dispose();
        Ca.Dispose();
    }
}
