using Fleet.Shared.Security;

namespace Fleet.Cloud.Renders;

/// <summary>
/// Signed render job tokens (<see cref="TokenSigner"/>): job id, device, campaign and expiry. A device reads a job's
/// status and downloads its MP4 only with a valid, unexpired token issued for that job and for itself.
/// </summary>
public sealed class JobTokens(TokenSigner signer, TimeProvider clock)
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromHours(1);
    private const string Kind = "render-job";

    public (string Token, DateTimeOffset ExpiresAt) Issue(string jobId, string deviceId, string campaignId, TimeSpan? lifetime = null)
    {
        var expires = clock.GetUtcNow() + (lifetime ?? Lifetime);
        var token = signer.Issue(new Dictionary<string, string> { ["kind"] = Kind, ["job"] = jobId, ["device"] = deviceId, ["campaign"] = campaignId }, expires);
        return (token, DateTimeOffset.FromUnixTimeSeconds(expires.ToUnixTimeSeconds()));
    }

    /// <summary>Null when <paramref name="token"/> lets <paramref name="callerDevice"/> read <paramref name="jobId"/>; otherwise why not.</summary>
    public string? Refusal(string? token, string jobId, string callerDevice)
    {
        if (string.IsNullOrEmpty(token)) return "a job token is required (header Fleet-Job-Token or ?token=)";
        var v = signer.Validate(token, clock.GetUtcNow());
        if (!v.IsValid) return $"job token refused: {v.Message}";
        var c = v.Claims!;
        if (c.GetValueOrDefault("kind") != Kind || c.GetValueOrDefault("job") != jobId) return "job token refused: it was issued for another job";
        if (c.GetValueOrDefault("device") != callerDevice) return "job token refused: it was issued to another device";
        return null;
    }
}
