using System.Collections.Immutable;
using System.Text.Json;
using Fleet.Shared.IO;
using Fleet.Shared.Serialization;

namespace Fleet.Shared.Security.Pki;

/// <summary>
/// Revoked device ids, checked on every TLS handshake. Kept in memory (swapped whole, so handshakes on other threads
/// never see it mid-change) and, when a file is given, saved so a restarted node refuses the same devices.
/// </summary>
public sealed class RevocationList
{
    private readonly string? _path;
    private readonly object _gate = new();
    private volatile ImmutableHashSet<string> _ids;

    public RevocationList(string? path)
    {
        _path = path;
        _ids = path is not null && File.Exists(path)
            ? (JsonSerializer.Deserialize<string[]>(File.ReadAllText(path), FleetJson.Options) ?? Array.Empty<string>()).ToImmutableHashSet(StringComparer.Ordinal)
            : ImmutableHashSet.Create<string>(StringComparer.Ordinal);
    }

    public bool IsRevoked(string deviceId) => _ids.Contains(deviceId);

    public IReadOnlyCollection<string> All => _ids;

    public void Add(string deviceId)
    {
        lock (_gate)
        {
            if (_ids.Contains(deviceId)) return;
            _ids = _ids.Add(deviceId);
            if (_path is not null) PrivateFile.WriteNew(_path, JsonSerializer.Serialize(_ids.Order(StringComparer.Ordinal).ToArray(), FleetJson.Indented));
        }
    }
}
