using System.Security.Cryptography;
using System.Text;
using Fleet.Shared.Audit;
using Fleet.Shared.Security;
using Fleet.Shared.Tests.Support;

namespace Fleet.Shared.Tests.Audit;

public sealed class AuditLogTests : IDisposable
{
    private readonly TempDir _dir = new();
    private readonly ManualClock _clock = new(new DateTimeOffset(2030, 1, 2, 3, 4, 5, TimeSpan.Zero));
    private readonly string _path;

    public AuditLogTests() => _path = _dir.File("audit/audit.jsonl");

    public void Dispose() => _dir.Dispose();

    private void Write(int entries)
    {
        using var log = AuditLog.Open(_path, _clock, fsync: false);
        for (var i = 1; i <= entries; i++)
        {
            _clock.Now = _clock.Now.AddSeconds(1);
            log.Append("operator:ana", "rollout.promote", $"rollout-{i}", $"stage 5% -> 25% \"gate pass\" #{i}");
        }
    }

    private string[] Lines() => File.ReadAllLines(_path);

    private void Save(IEnumerable<string> lines) => File.WriteAllText(_path, string.Join("\n", lines) + "\n");

    [Fact]
    public void Valid_chain_verifies_and_survives_reopening()
    {
        Write(10);
        using (var log = AuditLog.Open(_path, _clock, fsync: false))
        {
            var next = log.Append("device:kiosk-7", "killswitch.ack", "epoch-3", "ünïcødé ✓\nsecond line\t\"quoted\"");
            Assert.Equal(11, next.Seq);
            var result = log.Verify();
            Assert.True(result.IsValid, result.ToString());
            Assert.Equal(11, result.Entries);
            Assert.Equal(next.Hash, result.Head!.Hash);
            Assert.Equal(Enumerable.Range(1, 11).Select(i => (long)i), log.Read().Select(e => e.Seq));
            Assert.Equal("ünïcødé ✓\nsecond line\t\"quoted\"", log.Read().Last().Detail);
        }
        Assert.Equal(11, Lines().Length);
        Assert.StartsWith("{\"seq\":1,\"at\":\"2030-01-02T03:04:06+00:00\",\"actor\":\"operator:ana\"", Lines()[0]);
        Assert.Contains($"\"prev_hash\":\"{AuditEntry.GenesisHash}\"", Lines()[0]);
    }

    [Fact]
    public void One_changed_byte_is_reported_at_its_entry()
    {
        Write(8);
        var lines = Lines();
        lines[4] = lines[4].Replace("#5", "#6");
        Save(lines);

        var result = AuditLog.VerifyFile(_path);

        Assert.False(result.IsValid);
        Assert.Equal(new AuditBreak(5, 5, AuditBreakKind.ContentChanged, result.Break!.Message), result.Break);
        Assert.Equal(4, result.Entries);
    }

    [Fact]
    public void Every_single_byte_flip_breaks_the_chain_at_that_line()
    {
        Write(3);
        var original = File.ReadAllBytes(_path);
        var secondLineStart = Array.IndexOf(original, (byte)'\n') + 1;
        var secondLineEnd = Array.IndexOf(original, (byte)'\n', secondLineStart);
        // 0x20 flips the case of letters, which a case-insensitive parser would read as the same field names.
        foreach (var mask in new byte[] { 0x01, 0x20 })
            for (var i = secondLineStart; i < secondLineEnd; i++)
            {
                var copy = (byte[])original.Clone();
                copy[i] ^= mask;
                File.WriteAllBytes(_path, copy);
                var result = AuditLog.VerifyFile(_path);
                Assert.False(result.IsValid, $"flip 0x{mask:x2} at byte {i} ('{(char)original[i]}') went unnoticed");
                Assert.Equal(2, result.Break!.Line);
            }
    }

    [Fact]
    public void A_removed_entry_is_named_as_missing()
    {
        Write(8);
        Save(Lines().Where((_, i) => i != 3)); // drop seq 4

        var result = AuditLog.VerifyFile(_path);

        Assert.Equal(AuditBreakKind.EntryMissing, result.Break!.Kind);
        Assert.Equal(4, result.Break.Line);
        Assert.Equal(5, result.Break.Seq);
        Assert.Contains("seq 4 missing", result.Break.Message);
    }

    [Fact]
    public void Two_swapped_entries_are_named_as_out_of_order()
    {
        Write(8);
        var lines = Lines();
        (lines[5], lines[6]) = (lines[6], lines[5]); // seq 6 and 7

        Save(lines);
        var result = AuditLog.VerifyFile(_path);

        Assert.Equal(AuditBreakKind.OutOfOrder, result.Break!.Kind);
        Assert.Equal(6, result.Break.Line);
        Assert.Equal(7, result.Break.Seq);
    }

    [Fact]
    public void A_rewritten_entry_with_a_recomputed_hash_breaks_the_next_link()
    {
        Write(6);
        var lines = Lines();
        var e = AuditEntry.TryParse(lines[2])!;
        var forged = e with { Detail = "nothing happened" };
        lines[2] = (forged with { Hash = forged.ComputeHash() }).ToLine();
        Save(lines);

        var result = AuditLog.VerifyFile(_path);

        Assert.Equal(new AuditBreak(4, 4, AuditBreakKind.BadPrevLink, result.Break!.Message), result.Break);
    }

    [Fact]
    public async Task Concurrent_appends_form_one_valid_chain()
    {
        using var log = AuditLog.Open(_path, fsync: false);
        await Task.WhenAll(Enumerable.Range(0, 8).Select(t => Task.Run(() =>
        {
            for (var i = 0; i < 50; i++) log.Append($"worker-{t}", "render.delegate", $"job-{t}-{i}");
        })));

        var result = log.Verify();

        Assert.True(result.IsValid, result.ToString());
        Assert.Equal(400, result.Entries);
        Assert.Equal(400, log.Read().Select(e => e.Subject).Distinct().Count());
    }

    [Fact]
    public void A_torn_last_line_is_reported_and_cut_when_the_log_is_reopened()
    {
        Write(3);
        File.AppendAllText(_path, "{\"seq\":4,\"at\":");

        var torn = AuditLog.VerifyFile(_path);
        Assert.Equal(new AuditBreak(4, null, AuditBreakKind.Malformed, torn.Break!.Message), torn.Break);

        using var log = AuditLog.Open(_path, _clock, fsync: false);
        Assert.Equal(4, log.Append("sre:bo", "killswitch.engage", "all").Seq);
        Assert.True(log.Verify().IsValid);
    }

    [Fact]
    public void A_signed_head_proves_the_log_was_not_truncated()
    {
        using var signer = new EnvelopeSigner("audit-1", ECDsa.Create(ECCurve.NamedCurves.nistP256));
        var trust = TrustSet.Empty.WithKey(signer.Kid, signer.PublicKeySpki());
        Write(5);
        SignedEnvelope head;
        using (var log = AuditLog.Open(_path, _clock, fsync: false)) head = log.SignHead(signer);

        Assert.True(AuditLog.VerifyFile(_path, head, trust).IsValid);

        Save(Lines().Take(3));
        var cut = AuditLog.VerifyFile(_path, head, trust);
        Assert.Equal(AuditBreakKind.EntryMissing, cut.Break!.Kind);
        Assert.Equal(5, cut.Break.Seq);

        var wrongTrust = AuditLog.VerifyFile(_path, head, TrustSet.Empty);
        Assert.Equal(AuditBreakKind.HeadRejected, wrongTrust.Break!.Kind);
    }

    [Fact]
    public void Hash_is_sha256_of_prev_hash_and_the_canonical_entry()
    {
        Write(1);
        var line = Lines()[0];
        var entry = AuditEntry.TryParse(line)!;
        var body = line[..line.IndexOf(",\"hash\":", StringComparison.Ordinal)] + "}";
        var expected = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(entry.PrevHash + body)));
        Assert.Equal(expected, entry.Hash);
    }
}
