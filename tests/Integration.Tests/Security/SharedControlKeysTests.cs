using System.Security.Cryptography.X509Certificates;
using Fleet.Cloud.Enrolment;
using Fleet.Cloud.Hosting;
using Fleet.Cloud.Keys;
using Fleet.Shared.Cli;
using Fleet.Integration.Tests.Gateway;
using Fleet.Shared.Gateway.Wire;
using Fleet.Shared.Persistence;
using Fleet.Shared.Security;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;

namespace Fleet.Integration.Tests.Security;

/// <summary>
/// Control nodes each with their own --data (as in k8s) and one PostgreSQL: they sign with the same keys, a rotation or
/// a device revocation made through one reaches the others (and a node started later), and a node whose key secret
/// does not open the database's keys refuses to start.
/// </summary>
[Collection(SecondClusterCollection.Name)]
public sealed class SharedControlKeysTests
{
    /// <summary>
    /// A pub-sub notice reaches a node at once, unless its subscription has not yet spread to the publisher (a node that
    /// just joined): then the reload timer (every 30 s) takes it in.
    /// </summary>
    private static readonly TimeSpan Within = ControlPlaneSync.ReloadEvery + TimeSpan.FromSeconds(15);

    private static string SecretFile(TempDir tmp, string name)
    {
        var path = Path.Combine(tmp.Path, name);
        File.WriteAllText(path, Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)) + "\n");
        return path;
    }

    /// <summary>A control node with its own data folder, the fleet's CA (in node a's folder) and the given key secret.</summary>
    private static Task<CloudUnderTest> ControlNodeAsync(DbTarget db, TempDir tmp, string name, string secretFile, params string[] seeds) =>
        CloudUnderTest.StartAsync(db, tmp.Sub(name), seeds: seeds, secure: true,
            configure: o => o with { KeySecretFile = secretFile, CaKeyPath = name == "a" ? null : CloudOptions.DefaultCaKeyPath(tmp.Sub("a")) });

    private static SigningKeyRing Ring(CloudUnderTest node) => node.Services.GetRequiredService<SigningKeyRing>();

    [Fact]
    public async Task Two_control_nodes_on_one_database_sign_with_the_same_keys_and_a_rotation_on_one_reaches_the_other()
    {
        using var tmp = new TempDir();
        var db = await Databases.FreshAsync(Databases.Postgres, tmp.Path);
        var secret = SecretFile(tmp, "key-secret");
        await using var a = await ControlNodeAsync(db, tmp, "a", secret);
        await using var b = await ControlNodeAsync(db, tmp, "b", secret, a.Seed);

        var keysA = await a.Api.GetAsync<List<KeyEndpoints.KeyView>>("api/v1/keys");
        Assert.Equal(keysA, await b.Api.GetAsync<List<KeyEndpoints.KeyView>>("api/v1/keys"));
        Assert.Equal(Ring(a).ExportTrustSetJson(), Ring(b).ExportTrustSetJson());
        Assert.Equal(Ring(a).ActiveKid, Ring(b).Sign("x"u8).Kid);
        Assert.False(File.Exists(Path.Combine(tmp.Sub("b"), KeySecret.FileName)), "a node given the secret makes none of its own");

        var rotated = (await b.Api.PostAsync<List<KeyEndpoints.KeyView>>("api/v1/keys/rotate", new { })).Single(k => k.Active).Kid;
        Assert.NotEqual(keysA.Single(k => k.Active).Kid, rotated);
        // Node a (the oldest, hosting the kill-switch and campaign singletons) signs with the new key once the notice
        // arrives; nothing here re-reads its ring through the API.
        await Eventually.Until(() => Task.FromResult(Ring(a).Sign("x"u8).Kid), kid => kid == rotated, Within, "node a signing with the key rotated on node b");
        Assert.Equal(Ring(b).ExportTrustSetJson(), Ring(a).ExportTrustSetJson());
    }

    [Fact]
    public async Task A_device_revoked_through_one_node_is_refused_by_the_others_gateway_and_by_a_node_started_afterwards()
    {
        using var tmp = new TempDir();
        var db = await Databases.FreshAsync(Databases.Postgres, tmp.Path);
        var secret = SecretFile(tmp, "key-secret");
        await using var a = await ControlNodeAsync(db, tmp, "a", secret);
        await using var b = await ControlNodeAsync(db, tmp, "b", secret, a.Seed);
        var device = Fleet.Edge.Identity.EnrolmentStore.Load(await a.EnrolAsync("kiosk-r", tmp.Sub("kiosk-r")))!;
        Assert.True(await RegistersAsync(b.Gateway, device.Certificate, device.Ca), "before the revocation the device gets through node b's gateway");

        await a.Api.PostAsync<object>("api/v1/devices/kiosk-r/revoke", new { });
        // Node b's TLS check (the one its gateway and API run at every handshake) refuses the certificate...
        await Eventually.Until(() => Task.FromResult(b.Services.GetRequiredService<CloudPki>().Trust.Check(device.Certificate)),
            reason => reason?.Contains("kiosk-r is revoked") == true, Within, "node b's TLS check refusing kiosk-r");
        // ...so its gateway does.
        Assert.False(await RegistersAsync(b.Gateway, device.Certificate, device.Ca), "node b's gateway refuses kiosk-r");

        await using var c = await ControlNodeAsync(db, tmp, "c", secret, a.Seed);
        Assert.Contains("kiosk-r is revoked", c.Services.GetRequiredService<CloudPki>().Trust.Check(device.Certificate));
        Assert.False(await RegistersAsync(c.Gateway, device.Certificate, device.Ca), "a node started after the revocation refuses it too");
    }

    [Fact]
    public async Task A_node_whose_key_secret_does_not_open_the_databases_keys_exits_with_one_line_saying_what_to_pass()
    {
        using var tmp = new TempDir();
        var db = await Databases.FreshAsync(Databases.Postgres, tmp.Path);
        await using (await ControlNodeAsync(db, tmp, "a", SecretFile(tmp, "key-secret"))) { }

        // No secret given: the node makes one for itself, which cannot open the fleet's keys.
        using var missing = FleetProcess.Cloud("agent", "--port", $"{Ports.Free()}", "--http", $"{Ports.Free()}", "--gateway-port", $"{Ports.Free()}",
            "--data", tmp.Sub("b"), "--ca-key", CloudOptions.DefaultCaKeyPath(tmp.Sub("a")), "--db", "postgres:" + db.ConnectionString);
        Assert.NotEqual(0, await missing.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        var line = Assert.Single(missing.Lines, l => l.Contains("sealed with another key secret"));
        Assert.Contains("--key-secret-file PATH or FLEET_KEY_SECRET", line);
        Assert.DoesNotContain(missing.Lines, l => l.Contains(File.ReadAllText(Path.Combine(tmp.Sub("b"), KeySecret.FileName)).Trim()));

        // A wrong secret given: refused the same way, in the same words, before anything starts.
        var wrong = Assert.Throws<FleetException>(() => CloudHost.Build(new CloudOptions
        {
            Db = db, DataDir = tmp.Sub("c"), KeySecretFile = SecretFile(tmp, "wrong-secret"), CaKeyPath = CloudOptions.DefaultCaKeyPath(tmp.Sub("a")),
        }));
        Assert.Contains("does not open the control-plane keys", wrong.Message);
        Assert.Contains("--key-secret-file PATH or FLEET_KEY_SECRET", wrong.Message);
    }

    [Fact]
    public async Task A_single_sqlite_node_keeps_its_keys_across_a_restart_and_imports_an_old_key_folder_once()
    {
        using var tmp = new TempDir();
        var data = tmp.Sub("cloud");
        // A data folder from before the keys moved to the database.
        var old = SigningKeyRing.OpenOrCreate(Path.Combine(data, "keys"));
        var db = await Databases.FreshAsync(Databases.Sqlite, tmp.Path);
        string rotated;
        await using (var first = await CloudUnderTest.StartAsync(db, data))
        {
            Assert.Equal(old.ActiveKid, Ring(first).ActiveKid);
            rotated = (await first.Api.PostAsync<List<KeyEndpoints.KeyView>>("api/v1/keys/rotate", new { })).Single(k => k.Active).Kid;
        }
        var secretFile = Path.Combine(data, KeySecret.FileName);
        if (!OperatingSystem.IsWindows()) Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(secretFile));

        await using var again = await CloudUnderTest.StartAsync(db, data);
        Assert.Equal(rotated, Ring(again).ActiveKid);
        Assert.Equal(new[] { old.ActiveKid, rotated }.Order(StringComparer.Ordinal), Ring(again).Kids);
        Assert.Equal(rotated, Ring(again).Sign("x"u8).Kid);
    }

    /// <summary>Whether the gateway lets the certificate through and answers its registration.</summary>
    private static async Task<bool> RegistersAsync(string gateway, X509Certificate2 certificate, X509Certificate2 ca)
    {
        using var device = new RawDevice(gateway, certificate, ca);
        try
        {
            await device.SendAsync(device.Register(Fleet.Shared.Security.Pki.FleetCertificates.DeviceIdOf(certificate)!));
            return await device.UntilAsync(CloudFrame.BodyOneofCase.Registered) is not null;
        }
        // A handshake the gateway refuses surfaces as an RPC error or, when the refusal lands while the client is still
        // writing the first frame, as the HTTP/2 connection failing: both mean the device did not get through.
        catch (Exception e) when (e is RpcException or HttpRequestException or IOException)
        {
            return false;
        }
    }
}
