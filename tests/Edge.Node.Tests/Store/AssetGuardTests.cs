using Fleet.Edge.Store;
using Fleet.Shared.Assets;

namespace Fleet.Edge.Node.Tests.Store;

/// <summary>Stored files are checked against their sha256 where they are used, and again by the scrub.</summary>
public sealed class AssetGuardTests : IDisposable
{
    private readonly string _data = Directory.CreateTempSubdirectory("fleet-asset-guard-").FullName;
    private readonly List<AssetQuarantined> _reports = new();

    public void Dispose() => Directory.Delete(_data, recursive: true);

    private AssetGuard Guard() => new(_data, q => { lock (_reports) _reports.Add(q); });

    private (string Path, string Sha) Stored(int seed)
    {
        var bytes = new byte[200_000];
        new Random(seed).NextBytes(bytes);
        var store = new ContentStore(Path.Combine(_data, "manifests", "store"));
        var sha = store.Put(new MemoryStream(bytes)).Sha256;
        return (store.PathOf(sha), sha);
    }

    /// <summary>Flips one byte in place; optionally puts the modification time back, as bit rot would leave it.</summary>
    private static void FlipByte(string path, bool keepModified = false)
    {
        var modified = File.GetLastWriteTimeUtc(path);
        using (var f = new FileStream(path, FileMode.Open, FileAccess.ReadWrite))
        {
            f.Position = f.Length / 2;
            var b = f.ReadByte();
            f.Position = f.Length / 2;
            f.WriteByte((byte)(b ^ 0x01));
        }
        if (keepModified) File.SetLastWriteTimeUtc(path, modified);
    }

    [Fact]
    public async Task A_flipped_byte_is_quarantined_at_use_reported_once_and_never_good_again()
    {
        var (path, sha) = Stored(1);
        var guard = Guard();
        Assert.Equal(AssetState.Good, await guard.CheckAsync(path, sha, "asset 'hero'"));

        FlipByte(path);
        Assert.Equal(AssetState.Corrupt, await guard.CheckAsync(path, sha, "asset 'hero'"));
        Assert.False(File.Exists(path));
        var moved = Assert.Single(Directory.GetFiles(guard.QuarantineDir));
        Assert.StartsWith(sha, Path.GetFileName(moved));
        Assert.Equal(AssetState.Missing, await guard.CheckAsync(path, sha, "asset 'hero'"));
        var report = Assert.Single(_reports);
        Assert.Contains("sha256 mismatch", report.Problem);
        Assert.Equal(moved, report.MovedTo);
    }

    [Fact]
    public async Task Bit_rot_that_keeps_the_stat_is_found_by_the_scrub_not_by_the_cheap_check()
    {
        var (path, sha) = Stored(2);
        var (other, _) = Stored(3);
        var guard = Guard();
        Assert.Equal(AssetState.Good, await guard.CheckAsync(path, sha, "asset 'hero'"));
        FlipByte(path, keepModified: true);
        Assert.Equal(AssetState.Good, await guard.CheckAsync(path, sha, "asset 'hero'")); // remembered: one stat, no hash

        var report = await StoreScrub.RunAsync(guard, _data);
        Assert.Equal(2, report.Checked);
        var problem = Assert.Single(report.Problems);
        Assert.Equal((path, "corrupt"), (problem.Path, problem.State));
        Assert.True(File.Exists(other));
        Assert.Equal(AssetState.Missing, await guard.CheckAsync(path, sha, "asset 'hero'"));
        Assert.True((await StoreScrub.RunAsync(guard, _data)).Clean);
    }

    [Fact]
    public async Task A_file_replaced_with_the_right_bytes_is_good_again()
    {
        var (path, sha) = Stored(4);
        var good = await File.ReadAllBytesAsync(path);
        var guard = Guard();
        FlipByte(path);
        Assert.Equal(AssetState.Corrupt, await guard.CheckAsync(path, sha, "asset 'hero'"));
        await File.WriteAllBytesAsync(path, good); // as a re-fetch puts it back
        Assert.Equal(AssetState.Good, await guard.CheckAsync(path, sha, "asset 'hero'"));
        Assert.Single(_reports);
    }
}
