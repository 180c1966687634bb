using System.Security.Cryptography;
using System.Text;

namespace Fleet.Edge.Privacy;

/// <summary>Turns a raw user id into a salted HMAC-SHA256 hash; the salt is a per-device secret, so hashes cannot be joined across devices.</summary>
public sealed class UserIdHasher
{
    /// <summary>Salt file inside <c>&lt;data&gt;/secrets/</c>.</summary>
    public const string SaltFileName = "user-id.salt";

    private readonly Lazy<byte[]> _salt;

    public UserIdHasher(string dataDir)
    {
        SaltPath = Path.Combine(dataDir, "secrets", SaltFileName);
        _salt = new Lazy<byte[]>(LoadOrCreate, LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <summary>Where the salt lives (mode 600 on Unix).</summary>
    public string SaltPath { get; }

    /// <summary>Lower-case hex hash of the trimmed id; the same id always gives the same hash on this device.</summary>
    public string Hash(string rawUserId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(rawUserId);
        var mac = HMACSHA256.HashData(_salt.Value, Encoding.UTF8.GetBytes(rawUserId.Trim()));
        return Convert.ToHexStringLower(mac);
    }

    private byte[] LoadOrCreate()
    {
        if (File.Exists(SaltPath)) return File.ReadAllBytes(SaltPath);
        Directory.CreateDirectory(Path.GetDirectoryName(SaltPath)!);
        var salt = RandomNumberGenerator.GetBytes(32);
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        // Created owner-only from the first byte, rather than chmod after writing, so the secret is never briefly readable.
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        try
        {
            using var file = new FileStream(SaltPath, options);
            file.Write(salt);
            return salt;
        }
        catch (IOException) when (File.Exists(SaltPath))
        {
            // Another process created it first; its salt wins so hashes stay stable.
            return File.ReadAllBytes(SaltPath);
        }
    }
}
