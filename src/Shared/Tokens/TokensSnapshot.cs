using Fleet.Shared.Serialization;

namespace Fleet.Shared.Tokens;

/// <summary>The token store in a snapshot: every token kept, with the SHA-256 of its secret (never the secret).</summary>
[PersistedAs("tokens-snapshot.v1")]
public sealed record TokensSnapshot(IReadOnlyList<TokensSnapshot.Entry> Tokens) : IFleetEvent
{
    public sealed record Entry(TokenReplies.TokenView View, string Sha256);
}
