using Fleet.Shared.Serialization;

namespace Fleet.Shared.Tokens;

/// <summary>Requests to the token store singleton (control nodes only; it never sees a token, only its sha256).</summary>
public static class TokenCommands
{
    /// <summary>Creates a token; the store answers <see cref="TokenReplies.Created"/> with the only copy of the secret.</summary>
    public sealed record Create(string Role, string? DeviceId, string? Name, string By) : IFleetProtocol;

    public sealed record Revoke(string Id, string By) : IFleetProtocol;

    public sealed record List : IFleetProtocol
    {
        public static readonly List Instance = new();
    }

    /// <summary>Who holds the token with this sha256 (hex)? Answered with <see cref="TokenReplies.Lookup"/>.</summary>
    public sealed record Authenticate(string Sha256) : IFleetProtocol;

    /// <summary>Issued by the device registry when a device registers: replaces any earlier token of that device.</summary>
    public sealed record IssueDeviceToken(string DeviceId) : IFleetProtocol;
}

/// <summary>Answers of the token store.</summary>
public static class TokenReplies
{
    /// <summary>A token as listed: never its secret or hash.</summary>
    public sealed record TokenView(string Id, string Role, string? DeviceId, string? Name, DateTimeOffset CreatedAt, string CreatedBy,
        DateTimeOffset? RevokedAt) : IFleetProtocol;

    public sealed record Created(TokenView View, string Token) : IFleetProtocol
    {
        // Records print every member; the secret must never reach a log line.
        public override string ToString() => $"Created {{ View = {View}, Token = *** }}";
    }

    public sealed record Revoked(TokenView View) : IFleetProtocol;


    public sealed record Listed(IReadOnlyList<TokenView> Tokens) : IFleetProtocol;

    /// <summary>The live token for a hash, or null when unknown or revoked.</summary>
    public sealed record Lookup(TokenView? View) : IFleetProtocol;

    public sealed record DeviceToken(string DeviceId, string Token, string ApiUrl) : IFleetProtocol
    {
        public override string ToString() => $"DeviceToken {{ DeviceId = {DeviceId}, ApiUrl = {ApiUrl}, Token = *** }}";
    }
}

/// <summary>What a device receives in its registration reply: its API token and where the API is. Never logged.</summary>
public sealed record DeviceCredentials(string Token, string ApiUrl) : IFleetProtocol
{
    public override string ToString() => $"DeviceCredentials {{ ApiUrl = {ApiUrl}, Token = *** }}";
}
