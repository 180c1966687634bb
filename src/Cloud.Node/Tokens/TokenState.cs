using System.Collections.Immutable;
using Fleet.Shared.Commands;
using Fleet.Shared.Devices;
using Fleet.Shared.Serialization;
using Fleet.Shared.Tokens;
using static Fleet.Shared.Tokens.TokenReplies;

namespace Fleet.Cloud.Tokens;

/// <summary>Every API token ever issued (by id, with its hash) and the pure rules for creating and revoking them.</summary>
public sealed record TokenState
{
    /// <summary>Who issues the token a device gets in its registration reply.</summary>
    public const string RegistryIssuer = "registry";

    public ImmutableDictionary<string, Entry> ById { get; init; } = ImmutableDictionary<string, Entry>.Empty.WithComparers(StringComparer.Ordinal);
    public ImmutableDictionary<string, string> IdByHash { get; init; } = ImmutableDictionary<string, string>.Empty.WithComparers(StringComparer.Ordinal);
    /// <summary>
    /// The live registration token of each device, so issuing the next one revokes it without scanning every token
    /// ever issued (thousands of devices register at once after a cloud restart).
    /// </summary>
    public ImmutableDictionary<string, string> RegistryTokenByDevice { get; init; } = ImmutableDictionary<string, string>.Empty.WithComparers(StringComparer.Ordinal);

    public sealed record Entry(TokenView View, string Sha256);

    /// <summary>
    /// How long a revoked token stays listed. Every registration revokes the device's previous token, so without a
    /// limit the store would grow by one token per device and registration forever.
    /// </summary>
    public static readonly TimeSpan RevokedKeptFor = TimeSpan.FromDays(30);

    /// <summary>Forgets tokens revoked more than <see cref="RevokedKeptFor"/> before <paramref name="now"/>.</summary>
    public TokenState Retain(DateTimeOffset now)
    {
        var gone = ById.Values.Where(e => e.View.RevokedAt is { } at && now - at > RevokedKeptFor).ToList();
        return gone.Count == 0 ? this : this with
        {
            ById = ById.RemoveRange(gone.Select(e => e.View.Id)),
            IdByHash = IdByHash.RemoveRange(gone.Select(e => e.Sha256)),
        };
    }

    public TokensSnapshot ToSnapshot() => new(ById.Values.OrderBy(e => e.View.CreatedAt).ThenBy(e => e.View.Id, StringComparer.Ordinal)
        .Select(e => new TokensSnapshot.Entry(e.View, e.Sha256)).ToList());

    public static TokenState FromSnapshot(TokensSnapshot s) => s.Tokens.Aggregate(new TokenState(), (state, e) => state with
    {
        ById = state.ById.SetItem(e.View.Id, new Entry(e.View, e.Sha256)),
        IdByHash = state.IdByHash.SetItem(e.Sha256, e.View.Id),
        RegistryTokenByDevice = e.View is { Role: TokenRoles.Device, CreatedBy: RegistryIssuer, RevokedAt: null, DeviceId: { } device }
            ? state.RegistryTokenByDevice.SetItem(device, e.View.Id) : state.RegistryTokenByDevice,
    });

    /// <summary>Validates a create request; the caller supplies the fresh id and hash (randomness is I/O).</summary>
    public (object Reply, IReadOnlyList<IFleetEvent> Events) Create(TokenCommands.Create cmd, string id, string sha256, DateTimeOffset now)
    {
        if (!TokenRoles.IsCreatable(cmd.Role))
            return (Refused.Invalid($"unknown role '{cmd.Role}' (use {string.Join(", ", TokenRoles.Creatable)})"), []);
        if (cmd.Role == TokenRoles.Device && !DeviceId.IsValid(cmd.DeviceId))
            return (Refused.Invalid(cmd.DeviceId is null ? "a device token needs a device id" : $"device id '{cmd.DeviceId}' is invalid"), []);
        if (cmd.Role != TokenRoles.Device && cmd.DeviceId is not null)
            return (Refused.Invalid("a device id is only for a device token"), []);
        var events = new List<IFleetEvent>();
        // One registration token per device: each registration replaces the last (tokens an admin made are left alone).
        if (cmd.Role == TokenRoles.Device && cmd.By == RegistryIssuer && RegistryTokenByDevice.TryGetValue(cmd.DeviceId!, out var previous))
            events.Add(new TokenEvents.Revoked(previous, now, cmd.By));
        events.Add(new TokenEvents.Created(id, sha256, cmd.Role, cmd.DeviceId, cmd.Name, now, cmd.By));
        return (new Created(new TokenView(id, cmd.Role, cmd.DeviceId, cmd.Name, now, cmd.By, null), ""), events);
    }

    public (object Reply, IReadOnlyList<IFleetEvent> Events) Revoke(TokenCommands.Revoke cmd, DateTimeOffset now)
    {
        if (!ById.TryGetValue(cmd.Id, out var e)) return (Refused.NotFound($"no token '{cmd.Id}'"), []);
        if (e.View.RevokedAt is not null) return (new Revoked(e.View), []);
        return (new Revoked(e.View with { RevokedAt = now }), [new TokenEvents.Revoked(cmd.Id, now, cmd.By)]);
    }

    public TokenView? Lookup(string sha256) =>
        IdByHash.TryGetValue(sha256, out var id) && ById[id].View is { RevokedAt: null } v ? v : null;

    public IReadOnlyList<TokenView> List() => ById.Values.Select(e => e.View).OrderBy(v => v.CreatedAt).ThenBy(v => v.Id, StringComparer.Ordinal).ToList();

    public TokenState Apply(IFleetEvent evt) => evt switch
    {
        TokenEvents.Created c => this with
        {
            ById = ById.SetItem(c.Id, new Entry(new TokenView(c.Id, c.Role, c.DeviceId, c.Name, c.At, c.By, null), c.Sha256)),
            IdByHash = IdByHash.SetItem(c.Sha256, c.Id),
            RegistryTokenByDevice = c is { Role: TokenRoles.Device, By: RegistryIssuer, DeviceId: { } device }
                ? RegistryTokenByDevice.SetItem(device, c.Id) : RegistryTokenByDevice,
        },
        TokenEvents.Revoked r when ById.TryGetValue(r.Id, out var e) => this with
        {
            ById = ById.SetItem(r.Id, e with { View = e.View with { RevokedAt = e.View.RevokedAt ?? r.At } }),
            RegistryTokenByDevice = e.View.DeviceId is { } device && RegistryTokenByDevice.TryGetValue(device, out var live) && live == r.Id
                ? RegistryTokenByDevice.Remove(device) : RegistryTokenByDevice,
        },
        TokenEvents.Revoked => this,
        _ => throw new ArgumentOutOfRangeException(nameof(evt), evt.GetType().Name, "not a token event"),
    };
}
