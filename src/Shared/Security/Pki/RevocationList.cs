using System.Collections.Immutable;

namespace Fleet.Shared.Security.Pki;

/// <summary>Where revoked device ids are kept for good: the cluster's database (<c>ControlStore</c>).</summary>
public interface IRevocationStore
{
    IReadOnlyCollection<string> LoadRevokedDevices();
    void AddRevokedDevice(string deviceId, DateTimeOffset at);
}

/// <summary>
/// Revoked device ids, checked on every TLS handshake. Kept in memory (swapped whole, so handshakes on other threads
/// never see it mid-change) and, when a store is given, in the cluster's database, so every node, a restarted one or
/// one started after the revocation included, refuses the same devices.
/// </summary>
public sealed class RevocationList
{
    private readonly IRevocationStore? _store;
    private readonly object _gate = new();
    private volatile ImmutableHashSet<string> _ids;

    public RevocationList(IRevocationStore? store)
    {
        _store = store;
        _ids = (store?.LoadRevokedDevices() ?? Array.Empty<string>()).ToImmutableHashSet(StringComparer.Ordinal);
    }

    public bool IsRevoked(string deviceId) => _ids.Contains(deviceId);

    public IReadOnlyCollection<string> All => _ids;

    /// <summary>Revokes <paramref name="deviceId"/>: stored first, so a crash right after never forgets it.</summary>
    public void Add(string deviceId)
    {
        lock (_gate)
        {
            if (_ids.Contains(deviceId)) return;
            _store?.AddRevokedDevice(deviceId, DateTimeOffset.UtcNow);
            _ids = _ids.Add(deviceId);
        }
    }

    /// <summary>Takes in revocations other nodes stored. A revocation is never undone, so the sets are merged.</summary>
    public void Reload()
    {
        if (_store is null) return;
        var stored = _store.LoadRevokedDevices();
        lock (_gate) _ids = _ids.Union(stored);
    }
}
