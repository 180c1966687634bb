using System.Text;
using System.Text.Json;
using Fleet.Shared.IO;
using Fleet.Shared.KillSwitch;
using Fleet.Shared.Security;
using Fleet.Shared.Serialization;

namespace Fleet.Edge.KillSwitch;

/// <summary>
/// The device's kill state on disk (<c>&lt;data&gt;/policy/</c>): the last signed policy it enforced, and the fleet
/// trust set it verifies policies with (<see cref="Identity.DeviceTrust"/>). Survives restarts, so a device that boots
/// offline still enforces every kill it ever received.
/// </summary>
public sealed class PolicyStore(string dataDir)
{
    private readonly string _dir = Path.Combine(dataDir, "policy");
    private string PolicyFile => Path.Combine(_dir, "kill-policy.json");
    private string TrustFile => Path.Combine(_dir, "trust-set.json");

    public TrustSet? LoadTrust() => File.Exists(TrustFile) ? TrustSet.FromJson(File.ReadAllBytes(TrustFile)) : null;

    /// <summary>The trust the policy is verified with; <paramref name="root"/> is the fleet CA pinned at enrolment (null: --insecure-dev).</summary>
    public Identity.DeviceTrust OpenTrust(System.Security.Cryptography.X509Certificates.X509Certificate2? root) =>
        new(_dir, Path.GetFileName(TrustFile), root);

    /// <summary>The last enforced policy, re-verified on load so a hand-edited file is not trusted.</summary>
    public KillPolicy Load(TrustSet? trust)
    {
        if (!File.Exists(PolicyFile) || trust is null) return KillPolicy.Initial;
        var verified = PolicyVerifier.Verify(File.ReadAllText(PolicyFile), trust);
        return verified.Policy ?? throw new Shared.Cli.FleetException($"{PolicyFile}: {verified.Error}; restore it or remove it to resync from the cloud");
    }

    public void Save(string envelopeJson) => PrivateFile.WriteNew(PolicyFile, envelopeJson);
}

/// <summary>Checks a signed kill policy against the pinned trust set.</summary>
public static class PolicyVerifier
{
    /// <summary>
    /// How far one policy may move the epoch. A leaked key could otherwise sign epoch long.MaxValue, and no later policy
    /// could ever be newer.
    /// </summary>
    public const long MaxEpochJump = 1_000_000;

    public sealed record Outcome(KillPolicy? Policy, string? Error);

    /// <summary>Null when <paramref name="proposed"/> is within the bound above <paramref name="current"/>; else why not.</summary>
    public static string? EpochJumpRefusal(long current, long proposed) =>
        proposed > current && proposed - current > MaxEpochJump
            ? $"kill policy rejected: epoch {proposed} jumps more than {MaxEpochJump} above the enforced epoch {current}"
            : null;

    /// <param name="at">When a policy from the cloud is taken in (its key must still be valid); null for the kept one.</param>
    public static Outcome Verify(string envelopeJson, TrustSet trust, DateTimeOffset? at = null)
    {
        var v = EnvelopeVerifier.Verify(Encoding.UTF8.GetBytes(envelopeJson), trust, at);
        if (!v.IsValid) return new Outcome(null, $"kill policy rejected: {v.Message}");
        try
        {
            return new Outcome(JsonSerializer.Deserialize<KillPolicy>(v.Payload, FleetJson.Options), null);
        }
        catch (JsonException e)
        {
            return new Outcome(null, $"kill policy rejected: payload is not a policy ({e.Message})");
        }
    }
}
