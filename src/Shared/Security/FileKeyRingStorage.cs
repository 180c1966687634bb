using System.Collections.Immutable;
using System.Text.Json;
using Fleet.Shared.Cli;
using Fleet.Shared.Serialization;

namespace Fleet.Shared.Security;

/// <summary>
/// A key ring in a folder: one mode-600 JSON file per key (PKCS#8) and <c>ring.json</c> naming the active kid. Cloud
/// nodes keep their ring in the database; this is what they kept before (imported at first start) and what tools and
/// tests use.
/// </summary>
public sealed class FileKeyRingStorage(string dir) : IKeyRingStorage
{
    private const string RingFile = "ring.json";
    private const string KeySuffix = ".key.json";
    private readonly object _gate = new();

    public string Describe() => dir;

    public static bool HasKeys(string dir) => Directory.Exists(dir) && Directory.EnumerateFiles(dir, "*" + KeySuffix).Any();

    public KeyRingState Load()
    {
        PrivateFiles.EnsureDirectory(dir);
        var keys = ImmutableSortedDictionary.CreateBuilder<string, SigningKey>(StringComparer.Ordinal);
        foreach (var file in Directory.EnumerateFiles(dir, "*" + KeySuffix))
        {
            var key = Read<StoredKey>(file);
            if (!KeyIds.IsValid(key.Kid) || Path.GetFileName(file) != key.Kid + KeySuffix)
                throw new FleetException($"signing key file {file} does not match its kid '{key.Kid}'");
            keys[key.Kid] = new SigningKey(key.Kid, key.Alg, key.CreatedAt, key.PrivateKey is null ? null : Convert.FromBase64String(key.PrivateKey),
                Convert.FromBase64String(key.PublicKey), key.RevokedAt);
        }
        var ringPath = Path.Combine(dir, RingFile);
        return new KeyRingState(keys.ToImmutable(), File.Exists(ringPath) ? Read<RingState>(ringPath).ActiveKid : "");
    }

    public KeyRingState Update(Func<KeyRingState, KeyRingState> change)
    {
        lock (_gate)
        {
            var before = Load();
            var after = change(before);
            foreach (var key in after.Keys.Values.Where(k => !before.Keys.TryGetValue(k.Kid, out var old) || !ReferenceEquals(old, k)))
                Write(key.Kid + KeySuffix, new StoredKey(key.Kid, key.Alg, key.CreatedAt, key.PrivateKey is null ? null : Convert.ToBase64String(key.PrivateKey),
                    Convert.ToBase64String(key.PublicKey), key.RevokedAt));
            if (after.ActiveKid != before.ActiveKid) Write(RingFile, new RingState(after.ActiveKid));
            return after;
        }
    }

    private void Write<T>(string name, T value) =>
        PrivateFiles.WriteAllBytes(Path.Combine(dir, name), JsonSerializer.SerializeToUtf8Bytes(value, FleetJson.Indented));

    private static T Read<T>(string path)
    {
        try
        {
            return JsonSerializer.Deserialize<T>(File.ReadAllBytes(path), FleetJson.Options)
                   ?? throw new FleetException($"{path} is empty");
        }
        catch (JsonException e)
        {
            throw new FleetException($"{path} is not a valid key ring file: {e.Message}");
        }
    }

    private sealed record StoredKey(string Kid, string Alg, DateTimeOffset CreatedAt, string? PrivateKey, string PublicKey, DateTimeOffset? RevokedAt);

    private sealed record RingState(string ActiveKid);
}
