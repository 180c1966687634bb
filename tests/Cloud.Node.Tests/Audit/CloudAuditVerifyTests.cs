using Fleet.Cloud.Audit;
using Fleet.Shared.Audit;

namespace Fleet.Cloud.Node.Tests.Audit;

/// <summary>
/// What <c>GET /api/v1/audit/verify</c> (and so the console's Audit badge) answers: the running node's own log checked
/// as <c>fleet-cloud audit verify</c> checks a data folder, signed head included, while the log stays open for appends.
/// </summary>
public sealed class CloudAuditVerifyTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "fleet-audit-verify-" + Guid.NewGuid().ToString("N")[..8]);

    public void Dispose()
    {
        try { Directory.Delete(_dir, true); } catch (IOException) { }
    }

    [Fact]
    public void An_open_log_verifies_against_its_signed_head_and_one_changed_byte_makes_it_broken_at_that_entry()
    {
        using var audit = new CloudAudit(_dir);
        for (var i = 1; i <= 4; i++) audit.Record("operator:ana", "post /api/v1/kill", "/api/v1/kill", $"status 201; reason #{i}");
        audit.SignHead();
        audit.Record("operator:ana", "post /api/v1/rollouts", "/api/v1/rollouts", "status 201"); // after the head: still fine

        var intact = new AuditEndpoints.ChainStatus(audit.Verify());
        Assert.True(intact.Valid, intact.Summary);
        Assert.Equal(5, intact.Entries);
        Assert.Equal(CloudAudit.VerifyFolder(_dir).ToString(), intact.Summary); // one check, whether the node runs or not

        // Someone edits entry 2 in place (same length) while the node has the log open.
        var path = Path.Combine(_dir, CloudAudit.LogFile);
        var bytes = File.ReadAllBytes(path);
        bytes[bytes.AsSpan().IndexOf("reason #2"u8) + "reason #".Length] = (byte)'9';
        using (var edit = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite)) edit.Write(bytes);

        var broken = new AuditEndpoints.ChainStatus(audit.Verify());
        Assert.False(broken.Valid);
        Assert.Equal(AuditBreakKind.ContentChanged, broken.Break!.Kind);
        Assert.Equal(2, broken.Break.Seq);
        Assert.StartsWith("audit log broken at line 2", broken.Summary);
    }

    [Fact]
    public void The_head_signed_over_the_empty_log_at_start_still_verifies_once_entries_follow_it()
    {
        using var audit = new CloudAudit(_dir);
        Assert.Equal(0, audit.SignHead().Seq); // what the node's head signer does as it starts
        audit.Record("operator:ana", "post /api/v1/kill", "/api/v1/kill", "status 201");
        var status = new AuditEndpoints.ChainStatus(audit.Verify());
        Assert.True(status.Valid, status.Summary);
        Assert.True(CloudAudit.VerifyFolder(_dir).IsValid); // and so does `fleet-cloud audit verify` on the folder
    }

    [Fact]
    public void A_signed_head_past_the_end_of_the_log_says_entries_were_cut_off()
    {
        using (var audit = new CloudAudit(_dir))
        {
            for (var i = 1; i <= 3; i++) audit.Record("operator:ana", "post /api/v1/kill", "/api/v1/kill", $"#{i}");
            audit.SignHead();
        }
        var path = Path.Combine(_dir, CloudAudit.LogFile);
        File.WriteAllLines(path, File.ReadAllLines(path).Take(2));
        using var reopened = new CloudAudit(_dir);
        var status = new AuditEndpoints.ChainStatus(reopened.Verify());
        Assert.False(status.Valid);
        Assert.Equal(AuditBreakKind.EntryMissing, status.Break!.Kind);
    }
}
