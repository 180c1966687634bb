using System.Security.Cryptography;
using Fleet.Shared.Assets;
using Fleet.Shared.Cli;
using Fleet.Shared.Tests.Support;

namespace Fleet.Shared.Tests.Assets;

public sealed class ContentStoreTests : IDisposable
{
    private readonly TempDir _dir = new();
    private readonly ContentStore _store;

    public ContentStoreTests() => _store = new ContentStore(_dir.File("store"));

    public void Dispose() => _dir.Dispose();

    private static byte[] Bytes(int n, int seed) { var b = new byte[n]; new Random(seed).NextBytes(b); return b; }

    [Fact]
    public void Put_is_content_addressed_and_idempotent()
    {
        var bytes = Bytes(300_000, 1);
        var first = _store.Put(new MemoryStream(bytes));
        var second = _store.Put(new MemoryStream(bytes));

        var sha = Convert.ToHexStringLower(SHA256.HashData(bytes));
        Assert.Equal(new ContentInfo(sha, bytes.Length), first);
        Assert.Equal(first, second);
        Assert.Equal(Path.Combine(_store.Root, sha[..2], sha[2..4], sha), _store.PathOf(sha));
        Assert.True(_store.Has(sha));
        using (var read = _store.OpenRead(sha))
        {
            var copy = new MemoryStream();
            read.CopyTo(copy);
            Assert.Equal(bytes, copy.ToArray());
        }
        var stored = Directory.EnumerateFiles(_store.Root, "*", SearchOption.AllDirectories).ToList();
        Assert.Equal([_store.PathOf(sha)], stored); // no temp files left behind
    }

    [Fact]
    public async Task Concurrent_puts_of_the_same_bytes_leave_one_file()
    {
        var bytes = Bytes(200_000, 2);
        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => _store.PutAsync(new MemoryStream(bytes)))));
        Assert.Single(results.Distinct());
        Assert.Single(Directory.EnumerateFiles(_store.Root, "*", SearchOption.AllDirectories));
    }

    [Fact]
    public void Garbage_collection_keeps_referenced_content_and_reports_freed_bytes()
    {
        var keep = _store.Put(new MemoryStream(Bytes(1000, 3)));
        var dropA = _store.Put(new MemoryStream(Bytes(2000, 4)));
        var dropB = _store.Put(new MemoryStream(Bytes(3000, 5)));
        File.WriteAllBytes(_store.PartPathOf(new string('a', 64)), new byte[500]); // abandoned download
        File.WriteAllBytes(_store.PartPathOf(keep.Sha256), []); // resumable, referenced

        var freed = _store.CollectGarbage([keep.Sha256]);

        Assert.Equal(2000 + 3000 + 500, freed);
        Assert.True(_store.Has(keep.Sha256));
        Assert.False(_store.Has(dropA.Sha256));
        Assert.False(_store.Has(dropB.Sha256));
        Assert.False(File.Exists(_store.PartPathOf(new string('a', 64))));
        Assert.True(File.Exists(_store.PartPathOf(keep.Sha256)));
        Assert.Equal(0, _store.CollectGarbage([keep.Sha256]));
    }

    [Theory]
    [InlineData("../../etc/passwd")]
    [InlineData("ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789")]
    [InlineData("")]
    public void Non_digest_names_never_become_paths(string name)
    {
        Assert.Throws<ArgumentException>(() => _store.PathOf(name));
        Assert.False(_store.Has(name));
    }

    [Fact]
    public void Reading_missing_content_is_a_clear_error()
    {
        var e = Assert.Throws<FleetException>(() => _store.OpenRead(new string('b', 64)));
        Assert.Contains("not in the store", e.Message);
    }
}
