using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Fleet.Shared.Serialization;

namespace Fleet.Shared.Audit;

/// <summary>One line of the audit log: who did what to which subject, chained to the previous line by its hash.</summary>
public sealed record AuditEntry(
    long Seq, DateTimeOffset At, string Actor, string Action, string Subject, string? Detail, string PrevHash, string Hash)
{
    /// <summary>The prev_hash of the first entry.</summary>
    public static readonly string GenesisHash = new('0', 64);

    /// <summary>hash = sha256(prev_hash + canonical JSON of every field except hash), lowercase hex.</summary>
    public static string ComputeHash(long seq, DateTimeOffset at, string actor, string action, string subject, string? detail, string prevHash)
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(new Body(seq, at, actor, action, subject, detail, prevHash), FleetJson.Options);
        var input = Encoding.UTF8.GetBytes(prevHash).Concat(body).ToArray();
        return Convert.ToHexStringLower(SHA256.HashData(input));
    }

    public string ComputeHash() => ComputeHash(Seq, At, Actor, Action, Subject, Detail, PrevHash);

    /// <summary>The exact line (without newline) this entry is written as.</summary>
    public string ToLine() => JsonSerializer.Serialize(this, FleetJson.Options);

    public static AuditEntry? TryParse(string line)
    {
        try
        {
            var e = JsonSerializer.Deserialize<AuditEntry>(line, FleetJson.Options);
            return e is { Actor: not null, Action: not null, Subject: not null, PrevHash: not null, Hash: not null } ? e : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    // Field order here is the canonical order; changing it would break every existing chain.
    private sealed record Body(long Seq, DateTimeOffset At, string Actor, string Action, string Subject, string? Detail, string PrevHash);
}
