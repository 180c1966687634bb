using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace Fleet.Edge.Store;

/// <summary>
/// Checks that a stored file still holds the bytes its sha256 names before anything uses it. A file is hashed the first
/// time this process uses it and again whenever its size, modification time or creation time change (rewritten or
/// replaced); otherwise the verdict is remembered, so a warm render pays one stat per asset. Bit rot that leaves all
/// three alone is what the scrub (<see cref="StoreScrub"/>) is for: it hashes everything again. A file that fails is
/// moved aside (quarantined, never used again) and reported once through <c>report</c>.
/// </summary>
public sealed class AssetGuard(string dataDir, Action<AssetQuarantined>? report = null)
{
    /// <summary>Quarantined files kept for inspection; older ones are deleted.</summary>
    private const int KeptQuarantined = 5;

    private readonly ConcurrentDictionary<string, Verdict> _good = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Lazy<Task<AssetState>>> _hashing = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, bool> _reportedMissing = new(StringComparer.Ordinal);
    private readonly object _moveGate = new();

    private readonly string _dataDir = Path.GetFullPath(dataDir) + Path.DirectorySeparatorChar;

    public string QuarantineDir { get; } = Path.Combine(Path.GetFullPath(dataDir), "quarantine");

    /// <summary>
    /// <see cref="AssetState.Good"/> when <paramref name="path"/> hashes to <paramref name="sha256"/> (remembered while its
    /// stat is unchanged), otherwise quarantined now (<see cref="AssetState.Corrupt"/>) or not there (<see cref="AssetState.Missing"/>).
    /// </summary>
    /// <param name="what">Says what the file is, for the one log line and the report ("asset 'hero' of summer-sale v3").</param>
    public ValueTask<AssetState> CheckAsync(string path, string sha256, string what)
    {
        var stat = Stat(path);
        if (stat is null) return ValueTask.FromResult(Missing(path, sha256, what));
        if (_good.TryGetValue(path, out var v) && v.Sha256 == sha256 && v.Stat == stat) return ValueTask.FromResult(AssetState.Good);
        return new ValueTask<AssetState>(HashOnceAsync(path, sha256, what, bytesPerSecond: null));
    }

    /// <summary>The names of <paramref name="assets"/> that may not be used now (just quarantined, or missing); empty when all are good.</summary>
    /// <param name="owner">Whose assets these are, for the report ("summer-sale v3").</param>
    public async ValueTask<IReadOnlyList<string>> UnusableAsync(IReadOnlyList<ExpectedAsset> assets, string owner)
    {
        List<string>? bad = null;
        foreach (var a in assets)
            if (await CheckAsync(a.Path, a.Sha256, $"asset '{a.Name}' of {owner}") != AssetState.Good) (bad ??= new List<string>()).Add(a.Name);
        return bad ?? (IReadOnlyList<string>)Array.Empty<string>();
    }

    /// <summary>
    /// Hashes the file again whatever its stat says (the scrub), at most <paramref name="bytesPerSecond"/> when given. A
    /// file already gone is <see cref="AssetState.Missing"/> without a report: the store's garbage collection removes files.
    /// </summary>
    public Task<AssetState> RehashAsync(string path, string sha256, string what, long? bytesPerSecond = null, CancellationToken ct = default) =>
        Stat(path) is null ? Task.FromResult(AssetState.Missing) : HashOnceAsync(path, sha256, what, bytesPerSecond, ct);

    // Concurrent checks of one file share one hash; a render never waits behind the scrub's paced one.
    private async Task<AssetState> HashOnceAsync(string path, string sha256, string what, long? bytesPerSecond, CancellationToken ct = default)
    {
        var key = bytesPerSecond is null ? path : path + "|paced";
        var lazy = _hashing.GetOrAdd(key, _ => new Lazy<Task<AssetState>>(() => Task.Run(() => HashAsync(path, sha256, what, bytesPerSecond, ct), ct)));
        try { return await lazy.Value; }
        finally { _hashing.TryRemove(new KeyValuePair<string, Lazy<Task<AssetState>>>(key, lazy)); }
    }

    private async Task<AssetState> HashAsync(string path, string sha256, string what, long? bytesPerSecond, CancellationToken ct)
    {
        var before = Stat(path);
        string actual;
        try { actual = await Sha256Of(path, bytesPerSecond, ct); }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException) { return Missing(path, sha256, what); }
        catch (IOException e) { return Quarantine(path, sha256, what, $"unreadable ({e.Message})"); }
        if (actual == sha256)
        {
            // The stat taken before hashing: a write during the hash changes it, so the next use hashes again.
            if (before is not null) _good[path] = new Verdict(sha256, before);
            _reportedMissing.TryRemove(path, out _);
            return AssetState.Good;
        }
        return Quarantine(path, sha256, what, $"sha256 mismatch: holds {actual[..12]}…, expected {sha256[..12]}…");
    }

    private AssetState Quarantine(string path, string sha256, string what, string problem)
    {
        _good.TryRemove(path, out _);
        string? movedTo;
        lock (_moveGate)
        {
            if (!File.Exists(path)) return AssetState.Missing; // another check moved it first and reported it
            // Only the device's own files are moved; another folder's (a benchmark's campaign) is refused, not touched.
            if (!Path.GetFullPath(path).StartsWith(_dataDir, StringComparison.Ordinal)) return Refused(path, sha256, what, problem);
            Directory.CreateDirectory(QuarantineDir);
            movedTo = Path.Combine(QuarantineDir, $"{sha256}.{DateTime.UtcNow:yyyyMMddTHHmmssfff}");
            try { File.Move(path, movedTo); }
            catch (IOException) { File.Delete(path); movedTo = null; } // another file system: never leave it in place
            PruneQuarantine();
        }
        _reportedMissing[path] = true;
        report?.Invoke(new AssetQuarantined(path, sha256, what, problem, movedTo));
        return AssetState.Corrupt;
    }

    private AssetState Refused(string path, string sha256, string what, string problem)
    {
        if (_reportedMissing.TryAdd(path, true)) report?.Invoke(new AssetQuarantined(path, sha256, what, problem, null));
        return AssetState.Corrupt;
    }

    // A file that vanished (quarantined by `fleet-edge store verify`, say) is reported once, so it is fetched again.
    private AssetState Missing(string path, string sha256, string what)
    {
        _good.TryRemove(path, out _);
        if (_reportedMissing.TryAdd(path, true)) report?.Invoke(new AssetQuarantined(path, sha256, what, "missing", null));
        return AssetState.Missing;
    }

    private void PruneQuarantine()
    {
        foreach (var old in new DirectoryInfo(QuarantineDir).GetFiles().OrderByDescending(f => f.LastWriteTimeUtc).Skip(KeptQuarantined))
            try { old.Delete(); } catch (IOException) { }
    }

    /// <summary>Lower-case hex sha256 of a file, read in 1 MiB steps, paced to <paramref name="bytesPerSecond"/> when given.</summary>
    public static async Task<string> Sha256Of(string path, long? bytesPerSecond = null, CancellationToken ct = default)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 1, FileOptions.SequentialScan);
        var buffer = new byte[1 << 20];
        var started = System.Diagnostics.Stopwatch.StartNew();
        long total = 0;
        int read;
        while ((read = await file.ReadAsync(buffer, ct)) > 0)
        {
            hash.AppendData(buffer, 0, read);
            total += read;
            if (bytesPerSecond is { } rate && TimeSpan.FromSeconds((double)total / rate) - started.Elapsed is { Ticks: > 0 } ahead)
                await Task.Delay(ahead, ct);
        }
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    /// <summary>Size, modification time and creation time (the birth time of a replaced file differs; .NET shows no inode).</summary>
    private static FileStat? Stat(string path)
    {
        var f = new FileInfo(path);
        return f.Exists ? new FileStat(f.Length, f.LastWriteTimeUtc.Ticks, f.CreationTimeUtc.Ticks) : null;
    }

    private sealed record FileStat(long Size, long Modified, long Created);

    private sealed record Verdict(string Sha256, FileStat Stat);
}

/// <summary>An asset a render uses: its name in the campaign, the stored file, and the sha256 the signed manifest gives.</summary>
public sealed record ExpectedAsset(string Name, string Path, string Sha256);

/// <summary>What a check found.</summary>
public enum AssetState { Good, Corrupt, Missing }

/// <summary>
/// Published on the event stream when a stored file failed its check (<see cref="Problem"/>: a mismatch, unreadable, or
/// "missing"): the manifests actor fetches it again, the render coordinator drops what was built from it, telemetry counts it.
/// </summary>
/// <param name="MovedTo">Where the bad bytes were kept for inspection (null: deleted, or nothing was there).</param>
public sealed record AssetQuarantined(string Path, string Sha256, string What, string Problem, string? MovedTo);
