using Fleet.Cloud.Devices;
using Fleet.Shared.Audit;
using Fleet.Shared.Devices;

namespace Fleet.Cloud.Node.Tests.Devices;

/// <summary>The registry's rule for a device's signed audit heads: repeats and late heads are fine, contradictions are rewrites.</summary>
public sealed class AuditHeadBookTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 4, 9, 0, 0, TimeSpan.Zero);
    private static readonly string HashA = new('a', 64), HashB = new('b', 64);

    private static DeviceCommands.SubmitAuditHead Submit(long seq, string hash, DateTimeOffset at) =>
        new("kiosk-1", new SignedAuditHead(seq, hash, at, [1], [2]));

    private static DeviceReplies.KeptAuditHead Kept(long seq, string hash, DateTimeOffset at) => new(seq, hash, at, [1], [3], "0A", at);

    private static (AuditHeadBook Book, DeviceReplies.AuditHeadAnswer Reply, IReadOnlyList<Shared.Serialization.IFleetEvent> Events) Offer(
        AuditHeadBook book, long seq, string hash, DateTimeOffset at)
    {
        var (reply, events) = book.Offer(Submit(seq, hash, at), Kept(seq, hash, at), null, T0);
        return (events.Aggregate(book, (b, e) => b.Apply(e)), reply, events);
    }

    [Fact]
    public void A_new_head_is_kept_and_its_repeat_is_accepted_without_another_event()
    {
        var (book, reply, events) = Offer(AuditHeadBook.Empty, 10, HashA, T0);
        Assert.True(reply.Accepted);
        Assert.IsType<DeviceEvents.AuditHeadKept>(Assert.Single(events));
        var (_, again, none) = Offer(book, 10, HashA, T0.AddMinutes(5));
        Assert.True(again.Accepted);
        Assert.Empty(none);
    }

    [Fact]
    public void The_same_count_with_another_hash_is_a_rewrite()
    {
        var (book, _, _) = Offer(AuditHeadBook.Empty, 10, HashA, T0);
        var (after, reply, events) = Offer(book, 10, HashB, T0.AddMinutes(1));
        Assert.False(reply.Accepted);
        Assert.Contains("rewritten", reply.Reason);
        Assert.IsType<DeviceEvents.AuditRewriteCaught>(Assert.Single(events));
        Assert.Equal(HashA, Assert.Single(after.Heads).Hash);
        Assert.Equal((10L, HashB, HashA), (Assert.Single(after.Rewrites).Seq, after.Rewrites[0].OfferedHash, after.Rewrites[0].KeptHash));
    }

    [Fact]
    public void A_lower_count_signed_after_a_higher_one_means_the_chain_went_backwards()
    {
        var (book, _, _) = Offer(AuditHeadBook.Empty, 10, HashA, T0);
        var (_, reply, events) = Offer(book, 4, HashB, T0.AddMinutes(1));
        Assert.False(reply.Accepted);
        Assert.Contains("went backwards", reply.Reason);
        Assert.IsType<DeviceEvents.AuditRewriteCaught>(Assert.Single(events));
    }

    [Fact]
    public void A_lower_count_signed_earlier_is_a_late_arrival_and_kept_in_order()
    {
        var (book, _, _) = Offer(AuditHeadBook.Empty, 10, HashA, T0);
        var (after, reply, _) = Offer(book, 4, HashB, T0.AddMinutes(-1));
        Assert.True(reply.Accepted);
        Assert.Equal(new long[] { 4, 10 }, after.Heads.Select(h => h.Seq));
    }

    [Fact]
    public void A_head_that_did_not_verify_is_refused_and_changes_nothing()
    {
        var (reply, events) = AuditHeadBook.Empty.Offer(Submit(3, HashA, T0), null, "audit head signature does not match the certificate", T0);
        Assert.False(reply.Accepted);
        Assert.Contains("signature does not match", reply.Reason);
        Assert.Empty(events);
    }
}
