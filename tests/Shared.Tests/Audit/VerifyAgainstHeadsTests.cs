using Fleet.Shared.Audit;
using Fleet.Shared.Tests.Support;

namespace Fleet.Shared.Tests.Audit;

/// <summary>A copy of a device's log checked against the heads it signed over time: where it diverges is named.</summary>
public sealed class VerifyAgainstHeadsTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private (string Path, List<AuditHead> Heads) Log(int entries, Func<int, string> subject)
    {
        var path = _dir.File("audit.log");
        File.Delete(path);
        var heads = new List<AuditHead>();
        // One fixed clock: two logs with the same content are the same bytes, so only what differs in content differs in hash.
        using var log = AuditLog.Open(path, new ManualClock(new DateTimeOffset(2026, 12, 4, 9, 0, 0, TimeSpan.Zero)), fsync: false);
        for (var i = 1; i <= entries; i++)
        {
            log.Append("render", "render", subject(i));
            if (i % 3 == 0) heads.Add(log.Head);
        }
        return (path, heads);
    }

    [Fact]
    public void The_log_the_device_signed_verifies_against_every_head()
    {
        var (path, heads) = Log(9, i => $"c{i}");
        Assert.True(AuditLog.VerifyFile(path, heads).IsValid);
    }

    [Fact]
    public void A_chain_rewritten_consistently_from_entry_5_diverges_between_the_heads_around_it()
    {
        var (_, heads) = Log(9, i => $"c{i}");
        // The same count, re-chained from entry 5 on with other content: the chain alone looks intact.
        var (path, _) = Log(9, i => i >= 5 ? $"forged{i}" : $"c{i}");
        Assert.True(AuditLog.VerifyFile(path, []).IsValid);
        var v = AuditLog.VerifyFile(path, heads);
        Assert.Equal(AuditBreakKind.ContentChanged, v.Break!.Kind);
        Assert.Equal(6, v.Break.Seq);
        Assert.Contains("after seq 3", v.Break.Message);
    }

    [Fact]
    public void A_log_cut_below_a_signed_head_is_named()
    {
        var (path, heads) = Log(9, i => $"c{i}");
        File.WriteAllLines(path, File.ReadAllLines(path).Take(7));
        var v = AuditLog.VerifyFile(path, heads);
        Assert.Equal(AuditBreakKind.EntryMissing, v.Break!.Kind);
        Assert.Contains("vouches for seq 9", v.Break.Message);
    }
}
