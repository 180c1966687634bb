using System.Text.Json;
using Fleet.Cloud.Keys;
using Fleet.Shared.Persistence;
using Fleet.Cloud.KillSwitch;
using Fleet.Edge.KillSwitch;
using Fleet.Shared.KillSwitch;
using Fleet.Shared.Security;
using Fleet.Shared.Serialization;

namespace Fleet.Integration.Tests;

/// <summary>
/// Key rotation and revocation reach an enrolled device through CA-signed trust updates: a kill after `keys rotate`
/// and after `keys revoke` is acknowledged, and the revoked key cannot sign a policy the device accepts.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class TrustRotationTests
{
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(60);

    private static Task<KillStatus> StatusAsync(CloudUnderTest cloud, string id) => cloud.Api.GetAsync<KillStatus>($"api/v1/kill/{id}");

    private static async Task AckedAsync(CloudUnderTest cloud, string scope, string what)
    {
        var engaged = await cloud.Api.PostAsync<KillCommands.Result>("api/v1/kill", new KillSwitchEndpoints.EngageRequest(scope, "test: " + what));
        await Eventually.Until(() => StatusAsync(cloud, engaged.Directive!.Id), s => s.Pending == 0 && s.Acknowledged == 1, Within, what);
    }

    [Fact]
    public async Task A_kill_after_a_rotation_and_after_a_revocation_is_acknowledged_and_the_revoked_key_is_refused()
    {
        using var tmp = new TempDir();
        await using var cloud = await CloudUnderTest.StartAsync(await Databases.FreshAsync(Databases.Sqlite, tmp.Path), tmp.Sub("cloud"), secure: true);
        var device = tmp.Sub("e1");
        await using var edge = EdgeUnderTest.StartEnrolled(await cloud.EnrolAsync("kiosk-1", device));
        await cloud.WaitForDevicesUpAsync(1);
        await AckedAsync(cloud, "model:minilm@1.0.0", "first kill acknowledged");

        var oldKid = (await cloud.Api.GetAsync<List<KeyEndpoints.KeyView>>("api/v1/keys")).Single(k => k.Active).Kid;
        // The old key taken before it is revoked: what a leak of the database and the key secret would hand an attacker.
        using var leaked = SigningKeyRing.Open(new DbKeyRingStorage(ControlStore.Open(cloud.Options.Db),
            new SecretSealer(KeySecret.Resolve(cloud.Options).Secret))).ActiveSigner();
        var before = await cloud.Api.GetAsync<TrustStatus.View>("api/v1/keys/status");
        await cloud.Api.PostAsync<List<KeyEndpoints.KeyView>>("api/v1/keys/rotate", new { });
        await AckedAsync(cloud, "campaign:summer-sale", "kill after rotate acknowledged");
        // `keys status`: the device confirmed the rotated trust version in its sync report.
        var after = await Eventually.Until(() => cloud.Api.GetAsync<TrustStatus.View>("api/v1/keys/status"),
            s => s.Devices == 1 && s.OnCurrent == 1, Within, "the device confirmed the rotated trust");
        Assert.True(after.TrustVersion > before.TrustVersion);
        Assert.Equal(after.TrustVersion, Assert.Single(after.Versions).TrustVersion);
        Assert.Empty(after.Behind);

        await cloud.Api.PostAsync<List<KeyEndpoints.KeyView>>($"api/v1/keys/{oldKid}/revoke", new { });
        await AckedAsync(cloud, "template:end-card@1.0.0", "kill after revoke acknowledged");

        // The device's trust, re-read from disk and re-verified against its enrolment CA, refuses the old key.
        var ca = Fleet.Edge.Identity.EnrolmentStore.Load(device)!.Ca;
        var held = new PolicyStore(device).OpenTrust(ca);
        Assert.True(held.Set!.IsRevoked(oldKid));
        var forged = new KillPolicy(long.MaxValue, [], DateTimeOffset.UtcNow);
        var verdict = PolicyVerifier.Verify(leaked.Sign(JsonSerializer.SerializeToUtf8Bytes(forged, FleetJson.Options)).ToJson(), held.Set);
        Assert.Null(verdict.Policy);
        Assert.Contains(oldKid, verdict.Error);
        var enforced = new PolicyStore(device).Load(held.Set);
        Assert.Equal(3, enforced.Epoch);
        Assert.Contains("trust-adopted", await File.ReadAllTextAsync(Fleet.Edge.Audit.AuditActor.PathIn(device)));
    }

    [Fact]
    public async Task Keys_rotate_on_their_schedule_and_the_device_confirms_the_new_trust()
    {
        using var tmp = new TempDir();
        await using var cloud = await CloudUnderTest.StartAsync(await Databases.FreshAsync(Databases.Sqlite, tmp.Path), tmp.Sub("cloud"), secure: true,
            configure: o => o with { RotateEvery = TimeSpan.FromSeconds(10) });
        await using var edge = EdgeUnderTest.StartEnrolled(await cloud.EnrolAsync("kiosk-1", tmp.Sub("e1")));
        await cloud.WaitForDevicesUpAsync(1);
        var first = (await cloud.Api.GetAsync<List<KeyEndpoints.KeyView>>("api/v1/keys")).Single(k => k.Active).Kid;

        var status = await Eventually.Until(() => cloud.Api.GetAsync<TrustStatus.View>("api/v1/keys/status"),
            s => s.ActiveKid != first && s.OnCurrent == 1, Within, "a scheduled rotation confirmed by the device");
        Assert.Empty(status.Behind);
        Assert.Contains("keys.rotated", await File.ReadAllTextAsync(Path.Combine(tmp.Sub("cloud"), Fleet.Cloud.Audit.CloudAudit.LogFile)));
        // The old key stays trusted after a scheduled rotation (nothing was compromised): only `keys revoke` takes it out.
        Assert.Contains((await cloud.Api.GetAsync<List<KeyEndpoints.KeyView>>("api/v1/keys")), k => k.Kid == first && !k.Revoked);
    }

    [Fact]
    public async Task An_old_key_retires_by_itself_once_every_device_holds_its_successor_and_an_offline_one_holds_it_only_until_written_off()
    {
        using var tmp = new TempDir();
        await using var cloud = await CloudUnderTest.StartAsync(await Databases.FreshAsync(Databases.Sqlite, tmp.Path), tmp.Sub("cloud"), secure: true,
            configure: o => o with { RotateEvery = null, Retirement = new KeyRetirement.Policy(TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(25)) });
        await using var edge = EdgeUnderTest.StartEnrolled(await cloud.EnrolAsync("kiosk-1", tmp.Sub("e1")));
        var offline = EdgeUnderTest.StartEnrolled(await cloud.EnrolAsync("kiosk-2", tmp.Sub("e2")));
        await cloud.WaitForDevicesUpAsync(2);
        await offline.DisposeAsync();
        var oldKid = (await cloud.Api.GetAsync<List<KeyEndpoints.KeyView>>("api/v1/keys")).Single(k => k.Active).Kid;
        await cloud.Api.PostAsync<List<KeyEndpoints.KeyView>>("api/v1/keys/rotate", new { });

        // Past --retire-after, the old key still waits for the device that is away and has not been written off yet.
        var waiting = await Eventually.Until(() => cloud.Api.GetAsync<TrustStatus.View>("api/v1/keys/status"),
            s => s.OnCurrent == 1 && s.OldKeys.Count == 1 && s.OldKeys[0].RetiresAfter < DateTimeOffset.UtcNow, Within, "kiosk-1 confirmed the successor");
        Assert.Equal(oldKid, waiting.OldKeys[0].Kid);
        Assert.Equal(["kiosk-2"], waiting.OldKeys[0].WaitingFor);
        Assert.Contains((await cloud.Api.GetAsync<List<KeyEndpoints.KeyView>>("api/v1/keys")), k => k.Kid == oldKid && !k.Revoked);

        // Once kiosk-2 has been away for --write-off-after, the schedule retires the key and the online device keeps obeying.
        await Eventually.Until(() => cloud.Api.GetAsync<List<KeyEndpoints.KeyView>>("api/v1/keys"),
            keys => keys.Any(k => k.Kid == oldKid && k.Revoked), Within, "the old key retired");
        Assert.Empty((await cloud.Api.GetAsync<TrustStatus.View>("api/v1/keys/status")).OldKeys);
        Assert.Contains("keys.retired", await File.ReadAllTextAsync(Path.Combine(tmp.Sub("cloud"), Fleet.Cloud.Audit.CloudAudit.LogFile)));
        var engaged = await cloud.Api.PostAsync<KillCommands.Result>("api/v1/kill", new KillSwitchEndpoints.EngageRequest("campaign:summer-sale", "test: after retirement"));
        await Eventually.Until(() => StatusAsync(cloud, engaged.Directive!.Id), s => s.Devices.Any(d => d.DeviceId == "kiosk-1" && d.State == "acknowledged"),
            Within, "kill after the old key retired acknowledged by kiosk-1");
    }
}
