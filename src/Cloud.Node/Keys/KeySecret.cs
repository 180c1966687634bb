using System.Security.Cryptography;
using System.Text;
using Fleet.Cloud.Hosting;
using Fleet.Shared.IO;

namespace Fleet.Cloud.Keys;

/// <summary>
/// The deployment's key secret, which seals the control plane's private keys in the database: <c>--key-secret-file</c>,
/// else <c>FLEET_KEY_SECRET</c>, else (one node) <c>&lt;data&gt;/key-secret</c>, made once with mode 600. Every control node
/// of a fleet must be given the same one. Never logged: <see cref="Source"/> says where it came from.
/// </summary>
public sealed record KeySecret(byte[] Secret, string Source, bool MadeForThisNode)
{
    public const string EnvironmentVariable = "FLEET_KEY_SECRET";
    public const string FileName = "key-secret";

    public static KeySecret Resolve(CloudOptions o)
    {
        if (o.KeySecretFile is { } file)
        {
            if (!File.Exists(file)) throw new FleetException($"--key-secret-file {file} does not exist");
            return new KeySecret(Trimmed(File.ReadAllBytes(file)), $"--key-secret-file {file}", false);
        }
        if (o.KeySecret is { } text) return new KeySecret(Trimmed(Encoding.UTF8.GetBytes(text)), EnvironmentVariable, false);
        var path = Path.Combine(o.DataDir, FileName);
        if (!File.Exists(path)) MakeOnce(path);
        return new KeySecret(Trimmed(File.ReadAllBytes(path)), path, true);
    }

    /// <summary>Written aside, then moved in only if still absent: nodes starting at once on one folder keep the first.</summary>
    private static void MakeOnce(string path)
    {
        var aside = path + ".new-" + Environment.ProcessId + "-" + Environment.CurrentManagedThreadId;
        PrivateFile.WriteNew(aside, Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)) + "\n");
        try { File.Move(aside, path, overwrite: false); }
        catch (IOException) when (File.Exists(path)) { File.Delete(aside); }
    }

    /// <summary>Files made with echo end in a newline that is not part of the secret.</summary>
    private static byte[] Trimmed(byte[] raw)
    {
        var end = raw.Length;
        while (end > 0 && raw[end - 1] is (byte)'\n' or (byte)'\r' or (byte)' ' or (byte)'\t') end--;
        return raw[..end];
    }
}
