using Fleet.Shared.Serialization;

namespace Fleet.Shared.Tokens;

/// <summary>Persisted events of the token store. Only the sha256 of a token is ever stored.</summary>
public static class TokenEvents
{
    [PersistedAs("token-created.v1")]
    public sealed record Created(string Id, string Sha256, string Role, string? DeviceId, string? Name, DateTimeOffset At, string By) : IFleetEvent;

    [PersistedAs("token-revoked.v1")]
    public sealed record Revoked(string Id, DateTimeOffset At, string By) : IFleetEvent;
}
