using System.Security.Cryptography;
using Fleet.Shared.IO;

namespace Fleet.Cloud.Api;

/// <summary>
/// The operator's first credential: given by configuration (<c>FLEET_ADMIN_TOKEN</c>), or created once as
/// <c>&lt;data&gt;/admin.token</c> with mode 600 and kept across restarts.
/// </summary>
public sealed class AdminToken
{
    public const string FileName = "admin.token";
    public const string EnvironmentVariable = "FLEET_ADMIN_TOKEN";

    private AdminToken(string value, string? path)
    {
        Value = value;
        FilePath = path;
    }

    public string Value { get; }
    public string? FilePath { get; }

    public static AdminToken LoadOrCreate(string dataDir, string? configured)
    {
        if (!string.IsNullOrWhiteSpace(configured)) return new AdminToken(configured.Trim(), null);
        var path = Path.Combine(dataDir, FileName);
        if (File.Exists(path))
        {
            var existing = File.ReadAllText(path).Trim();
            if (existing.Length == 0) throw new FleetException($"{path} is empty; delete it to create a new admin token");
            return new AdminToken(existing, path);
        }
        var token = "fla_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
        PrivateFile.WriteNew(path, token + "\n");
        return new AdminToken(token, path);
    }

    /// <summary>Token for CLI verbs: <c>--token</c>, then <c>FLEET_TOKEN</c>, then the local admin token file.</summary>
    public static string? ForClient(string? flag, string dataDir)
    {
        if (!string.IsNullOrWhiteSpace(flag)) return flag.Trim();
        var env = Environment.GetEnvironmentVariable("FLEET_TOKEN");
        if (!string.IsNullOrWhiteSpace(env)) return env.Trim();
        var path = Path.Combine(dataDir, FileName);
        return File.Exists(path) ? File.ReadAllText(path).Trim() : null;
    }
}
