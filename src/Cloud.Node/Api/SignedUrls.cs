using Fleet.Shared.Security;

namespace Fleet.Cloud.Api;

/// <summary>
/// Short-lived URLs that carry their own authorisation: <c>PATH?sig=TOKEN</c>, the HMAC token (<see cref="TokenSigner"/>)
/// binding exactly that path, an expiry and (for render requests) the device it was issued for.
/// </summary>
public sealed class SignedUrls(TokenSigner signer, TimeProvider clock)
{
    public static readonly TimeSpan DefaultLifetime = TimeSpan.FromMinutes(15);

    public (string Url, DateTimeOffset ExpiresAt) Sign(string baseUrl, string path, string? deviceId, TimeSpan? lifetime = null)
    {
        var expires = clock.GetUtcNow() + (lifetime ?? DefaultLifetime);
        var claims = new Dictionary<string, string> { ["path"] = path };
        if (deviceId is not null) claims["device"] = deviceId;
        var token = signer.Issue(claims, expires);
        return ($"{baseUrl.TrimEnd('/')}{path}?sig={Uri.EscapeDataString(token)}", DateTimeOffset.FromUnixTimeSeconds(expires.ToUnixTimeSeconds()));
    }

    public TokenValidation Check(string path, string token)
    {
        var v = signer.Validate(token, clock.GetUtcNow());
        if (!v.IsValid) return v;
        return v.Claims!.TryGetValue("path", out var p) && p == path
            ? v
            : new TokenValidation(null, null, RejectionReason.BadSignature, "signature is for another path");
    }
}
