using System.Security.Cryptography;
using System.Text;
using Fleet.Shared.KillSwitch;

namespace Fleet.Edge.Rendering;

/// <summary>
/// Finished ads by content key (everything that shapes the output: template, model, copy, voice, grade), capped in
/// bytes with least-recently-used eviction. Entries remember their artifacts so a kill can purge exactly its renders.
/// </summary>
public sealed class RenderCache
{
    private readonly object _gate = new();
    private readonly string _dir;
    private readonly long _capBytes;
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private long _tick;

    public RenderCache(string dir, long capBytes)
    {
        _dir = dir;
        _capBytes = capBytes;
        Directory.CreateDirectory(dir);
        // Earlier sessions' files have no artifacts recorded: start empty rather than trust them.
        foreach (var stale in Directory.EnumerateFiles(dir)) File.Delete(stale);
    }

    public static string KeyOf(params string[] parts) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('\u001f', parts))));

    public string? TryGet(string key)
    {
        lock (_gate)
        {
            if (!_entries.TryGetValue(key, out var e) || !File.Exists(e.Path)) return null;
            e.LastUse = ++_tick;
            return e.Path;
        }
    }

    /// <summary>Copies a finished ad in (the caller keeps its own file) and evicts the least recently used beyond the cap.</summary>
    public string Put(string key, string sourcePath, RenderArtifacts artifacts)
    {
        var path = Path.Combine(_dir, key + ".mp4");
        var tmp = path + ".tmp";
        File.Copy(sourcePath, tmp, overwrite: true);
        File.Move(tmp, path, overwrite: true);
        lock (_gate)
        {
            _entries[key] = new Entry(path, new FileInfo(path).Length, artifacts) { LastUse = ++_tick };
            var total = _entries.Values.Sum(e => e.Bytes);
            foreach (var victim in _entries.OrderBy(kv => kv.Value.LastUse).ToList())
            {
                if (total <= _capBytes || victim.Key == key) break;
                Remove(victim.Key);
                total -= victim.Value.Bytes;
            }
        }
        return path;
    }

    /// <summary>Removes every cached render a kill covers; returns how many.</summary>
    public int Purge(Func<RenderArtifacts, bool> covered)
    {
        lock (_gate)
        {
            var victims = _entries.Where(kv => covered(kv.Value.Artifacts)).Select(kv => kv.Key).ToList();
            victims.ForEach(Remove);
            return victims.Count;
        }
    }

    public int Count { get { lock (_gate) return _entries.Count; } }

    private void Remove(string key)
    {
        if (_entries.Remove(key, out var e)) try { File.Delete(e.Path); } catch (IOException) { }
    }

    private sealed record Entry(string Path, long Bytes, RenderArtifacts Artifacts)
    {
        public long LastUse { get; set; }
    }
}
