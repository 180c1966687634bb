using System.Text;
using System.Text.Json;
using Fleet.Cloud.Api;
using Fleet.Cloud.Cli;
using Fleet.Shared.Serialization;

namespace Fleet.Integration.Tests;

/// <summary>
/// A real <c>fleet-cloud agent</c> process on loopback (<c>--insecure-dev</c>, or mutual TLS with a gateway), so that a test
/// can SIGKILL it. Control nodes of one fleet share the data folder (CA, key secret, admin token, content store) and the database.
/// </summary>
public sealed class CloudProcess : IDisposable
{
    private static readonly TimeSpan StartWithin = TimeSpan.FromSeconds(60);
    private readonly string[] _args;

    private CloudProcess(string[] args, int port, string url, string? gateway)
    {
        _args = args;
        Seed = $"127.0.0.1:{port}";
        Url = url;
        Gateway = gateway;
        Process = FleetProcess.Cloud(args);
    }

    public FleetProcess Process { get; private set; }
    public string Seed { get; }
    public string Url { get; }
    public string Token { get; private set; } = "";
    /// <summary>The node's device gateway (secure nodes only).</summary>
    public string? Gateway { get; }

    /// <summary>Starts a node and waits until its API answers with the fleet's admin token.</summary>
    public static Task<CloudProcess> StartAsync(string dataDir, string? db = null, params string[] seeds) => StartAsync(dataDir, db, secure: false, seeds);

    /// <param name="secure">Mutual TLS with the fleet CA in the shared data folder (made if missing) and a device gateway; else --insecure-dev.</param>
    public static async Task<CloudProcess> StartAsync(string dataDir, string? db, bool secure, params string[] seeds)
    {
        var (port, http) = (Ports.Free(), Ports.Free());
        var args = new List<string> { "agent", "--port", $"{port}", "--http", $"{http}", "--data", dataDir };
        string? gateway = null;
        if (secure)
        {
            var caKey = Fleet.Cloud.Hosting.CloudOptions.DefaultCaKeyPath(dataDir);
            if (!File.Exists(caKey)) Fleet.Shared.Security.Pki.FleetCa.Create(caKey).Dispose();
            var gatewayPort = Ports.Free();
            gateway = $"127.0.0.1:{gatewayPort}";
            args.AddRange(["--gateway-port", $"{gatewayPort}"]);
        }
        else
        {
            args.Add("--insecure-dev");
        }
        if (db is not null) args.AddRange(["--db", db]);
        foreach (var s in seeds) args.AddRange(["--seed", s]);
        var node = new CloudProcess(args.ToArray(), port, $"http://127.0.0.1:{http}", gateway);
        await node.WaitForApiAsync(dataDir);
        return node;
    }

    /// <summary>
    /// What the control nodes of a production-shaped fleet share while each keeps its own <c>--data</c> (as pods with their
    /// own volumes do): the fleet CA (a mounted secret), the key secret that seals the database's keys, the content store
    /// (a shared volume) and the lifetime of device certificates.
    /// </summary>
    public sealed record SharedFleet(string CaKey, string KeySecretFile, string StoreDir, int DeviceCertSeconds = 0)
    {
        public static SharedFleet In(TempDir tmp, int deviceCertSeconds = 0)
        {
            var caKey = Path.Combine(tmp.Sub("fleet-ca"), "ca.key");
            Fleet.Shared.Security.Pki.FleetCa.Create(caKey).Dispose();
            var secret = Path.Combine(Directory.CreateDirectory(tmp.Sub("fleet-secrets")).FullName, "key-secret");
            File.WriteAllText(secret, Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)) + "\n");
            return new SharedFleet(caKey, secret, tmp.Sub("content-store"), deviceCertSeconds);
        }
    }

    /// <summary>A control node (control, render, gateway) with its own data folder and the fleet's shared parts.</summary>
    public static async Task<CloudProcess> StartControlAsync(string dataDir, string db, SharedFleet fleet, params string[] seeds)
    {
        var (port, http, gatewayPort) = (Ports.Free(), Ports.Free(), Ports.Free());
        var args = new List<string> { "agent", "--port", $"{port}", "--http", $"{http}", "--data", dataDir, "--db", db,
            "--gateway-port", $"{gatewayPort}", "--ca-key", fleet.CaKey, "--key-secret-file", fleet.KeySecretFile, "--store", fleet.StoreDir };
        if (fleet.DeviceCertSeconds > 0) args.AddRange(["--device-cert-seconds", $"{fleet.DeviceCertSeconds}"]);
        foreach (var s in seeds) args.AddRange(["--seed", s]);
        var node = new CloudProcess(args.ToArray(), port, $"http://127.0.0.1:{http}", $"127.0.0.1:{gatewayPort}");
        await node.WaitForApiAsync(dataDir);
        return node;
    }

    /// <summary>Enrols a device through this node's API (a bundle) and installs it under <paramref name="deviceData"/>.</summary>
    public async Task<string> EnrolAsync(string deviceId, string deviceData)
    {
        // Right after start the registry may not answer yet (503 with Retry-After): asked again until it does.
        var answer = await Eventually.Until(() => PostJsonAsync("/api/v1/enrolments", new { device_id = deviceId }),
            a => a.Status != System.Net.HttpStatusCode.ServiceUnavailable, StartWithin, $"enrolment of {deviceId}");
        if (answer.Status != System.Net.HttpStatusCode.OK) throw new InvalidOperationException($"enrolment of {deviceId}: {answer.Status} {answer.Body}");
        var bundle = Fleet.Shared.Enrolment.EnrolmentBundle.Parse(answer.Body, "the enrolment answer");
        Fleet.Edge.Identity.EnrolmentStore.Save(deviceData, bundle with { PrivateKeyPem = null }, bundle.PrivateKeyPem!);
        return deviceData;
    }

    /// <summary>SIGKILL, then the same node (ports, data, database) started again.</summary>
    public async Task CrashAndRestartAsync()
    {
        await CrashAsync();
        Process = FleetProcess.Cloud(_args);
        await WaitForApiAsync(_args[Array.IndexOf(_args, "--data") + 1]);
    }

    /// <summary>SIGKILL: no leaving, no shutdown hooks; the other nodes find out from the failure detector.</summary>
    public async Task CrashAsync()
    {
        Process.Crash();
        await Process.WaitForExitAsync(TimeSpan.FromSeconds(10));
        Process.Dispose();
    }

    public Task<ApiCalls.Answer> GetAsync(string path) => ApiCalls.SendAsync(Url, HttpMethod.Get, path, Token);

    public Task<ApiCalls.Answer> PostJsonAsync(string path, object body) => ApiCalls.SendAsync(Url, HttpMethod.Post, path, Token,
        new StringContent(JsonSerializer.Serialize(body, FleetJson.Options), Encoding.UTF8, "application/json"));

    public Task<ApiCalls.Answer> PublishAsync(string dir, bool staged = false) =>
        ApiCalls.SendAsync(Url, HttpMethod.Post, staged ? "/api/v1/campaigns?staged=true" : "/api/v1/campaigns", Token, CampaignFolder.Multipart(dir));

    /// <summary>The token file may be read half-written at first: it is re-read until the API accepts it.</summary>
    private async Task WaitForApiAsync(string dataDir)
    {
        var tokenPath = Path.Combine(dataDir, AdminToken.FileName);
        await Eventually.Until(async () =>
        {
            Token = File.Exists(tokenPath) ? File.ReadAllText(tokenPath).Trim() : "";
            return await GetAsync("/api/v1/devices");
        }, a => a.Status == System.Net.HttpStatusCode.OK, StartWithin, $"API at {Url} with the admin token");
    }

    public void Dispose() => Process.Dispose();
}
