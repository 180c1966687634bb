using System.Text;
using System.Text.Json;
using Fleet.Edge.KillSwitch;
using Fleet.Shared.KillSwitch;
using Fleet.Shared.Security;
using Fleet.Shared.Serialization;

namespace Fleet.Edge.Node.Tests.KillSwitch;

public sealed class PolicyStoreTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "fleet-policy-" + Guid.NewGuid().ToString("N")[..8]);
    private readonly SigningKeyRing _ring;

    public PolicyStoreTests() => _ring = SigningKeyRing.OpenOrCreate(Path.Combine(_dir, "keys"));

    private string Signed(long epoch)
    {
        var policy = new KillPolicy(epoch, new[]
        {
            new KillDirective("kill-1", 1, KillScope.Parse("campaign:summer-sale"), "bad copy", "sre", DateTimeOffset.UtcNow),
        }, DateTimeOffset.UtcNow);
        return _ring.Sign(JsonSerializer.SerializeToUtf8Bytes(policy, FleetJson.Options)).ToJson();
    }

    [Fact]
    public void A_saved_policy_survives_a_restart_and_is_reverified()
    {
        var store = new PolicyStore(Path.Combine(_dir, "device"));
        store.OpenTrust(null).Offer(null, Encoding.UTF8.GetString(_ring.ExportTrustSetJson()));
        store.Save(Signed(3));
        var reopened = new PolicyStore(Path.Combine(_dir, "device"));
        var policy = reopened.Load(reopened.LoadTrust());
        Assert.Equal(3, policy.Epoch);
        Assert.NotNull(policy.Blocking(new RenderArtifacts("summer-sale", null, null)));
    }

    [Fact]
    public void A_flipped_byte_or_a_foreign_key_is_rejected()
    {
        var trust = _ring.ExportTrustSet();
        var json = Signed(1);
        var payloadStart = json.IndexOf("\"payload\"", StringComparison.Ordinal) + 12;
        var tampered = json[..payloadStart] + (json[payloadStart] == 'A' ? 'B' : 'A') + json[(payloadStart + 1)..];
        Assert.Null(PolicyVerifier.Verify(tampered, trust).Policy);

        var foreign = SigningKeyRing.OpenOrCreate(Path.Combine(_dir, "other-keys"));
        var verdict = PolicyVerifier.Verify(Signed(1), foreign.ExportTrustSet());
        Assert.Null(verdict.Policy);
        Assert.StartsWith("kill policy rejected", verdict.Error);
    }

    public void Dispose()
    {
        try { Directory.Delete(_dir, true); } catch (IOException) { }
    }
}
