using System.Security.Cryptography;
using Fleet.Shared.Cli;

namespace Fleet.Shared.Assets;

/// <summary>
/// Files addressed by their sha256 under <c>root/aa/bb/&lt;sha256&gt;</c>. Content only ever appears there complete:
/// it is written to a temp file, hashed while written, flushed, then renamed into place.
/// </summary>
public sealed class ContentStore
{
    private const string TempDir = ".tmp";
    private const string PartialDir = ".partial";

    public ContentStore(string root)
    {
        Root = Path.GetFullPath(root);
        Directory.CreateDirectory(Path.Combine(Root, TempDir));
        Directory.CreateDirectory(Path.Combine(Root, PartialDir));
    }

    public string Root { get; }

    /// <summary>True for exactly 64 lowercase hex digits; anything else never becomes a path.</summary>
    public static bool IsSha256(string? value) =>
        value is { Length: 64 } && value.All(c => char.IsAsciiDigit(c) || c is >= 'a' and <= 'f');

    public string PathOf(string sha256) => PathIn(Root, sha256);

    /// <summary>Where a store rooted at <paramref name="root"/> keeps <paramref name="sha256"/> (without opening, or creating, the store).</summary>
    public static string PathIn(string root, string sha256)
    {
        if (!IsSha256(sha256)) throw new ArgumentException($"'{sha256}' is not a lowercase sha256 hex digest", nameof(sha256));
        return Path.Combine(Path.GetFullPath(root), sha256[..2], sha256[2..4], sha256);
    }

    public bool Has(string sha256) => IsSha256(sha256) && File.Exists(PathOf(sha256));

    public FileStream OpenRead(string sha256)
    {
        var path = PathOf(sha256);
        try
        {
            return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 81920, FileOptions.Asynchronous);
        }
        catch (FileNotFoundException)
        {
            throw new FleetException($"content {sha256} is not in the store");
        }
        catch (DirectoryNotFoundException)
        {
            throw new FleetException($"content {sha256} is not in the store");
        }
    }

    public ContentInfo Put(Stream content) => PutAsync(content).GetAwaiter().GetResult();

    /// <summary>Stores the stream's bytes; storing the same bytes again is a no-op that returns the same digest.</summary>
    public async Task<ContentInfo> PutAsync(Stream content, CancellationToken ct = default)
    {
        var temp = Path.Combine(Root, TempDir, Guid.NewGuid().ToString("N"));
        try
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            long size = 0;
            await using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 81920, FileOptions.Asynchronous))
            {
                var buffer = new byte[81920];
                int read;
                while ((read = await content.ReadAsync(buffer, ct)) > 0)
                {
                    hash.AppendData(buffer, 0, read);
                    await file.WriteAsync(buffer.AsMemory(0, read), ct);
                    size += read;
                }
                file.Flush(flushToDisk: true);
            }
            var sha = Convert.ToHexStringLower(hash.GetHashAndReset());
            Commit(temp, sha);
            return new ContentInfo(sha, size);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }

    /// <summary>Where a download of <paramref name="sha256"/> keeps its bytes until they are verified.</summary>
    public string PartPathOf(string sha256)
    {
        if (!IsSha256(sha256)) throw new ArgumentException($"'{sha256}' is not a lowercase sha256 hex digest", nameof(sha256));
        return Path.Combine(Root, PartialDir, sha256 + ".part");
    }

    /// <summary>Moves an already verified file into place; if the content is already there the source is dropped.</summary>
    internal void Commit(string verifiedFile, string sha256)
    {
        var target = PathOf(sha256);
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        try
        {
            File.Move(verifiedFile, target, overwrite: false);
        }
        catch (IOException) when (File.Exists(target))
        {
            File.Delete(verifiedFile); // a concurrent writer committed the same bytes first
        }
    }

    /// <summary>Deletes every stored file and partial download whose digest is not in <paramref name="keep"/>; returns bytes freed.</summary>
    public long CollectGarbage(IEnumerable<string> keep) => StoreGarbage.Collect(this, keep);

    internal string TempRoot => Path.Combine(Root, TempDir);

    internal string PartialRoot => Path.Combine(Root, PartialDir);
}

/// <summary>The digest and size of stored content.</summary>
public sealed record ContentInfo(string Sha256, long Size);
