using Fleet.Edge.Player;
using Fleet.Shared.Telemetry;

namespace Fleet.Edge.Node.Tests.Player;

public sealed class HoldoutTests
{
    private static readonly string[] Ids = Enumerable.Range(0, 10_000).Select(i => Guid.NewGuid().ToString("N")[..12]).ToArray();

    [Fact]
    public void Share_0_never_holds_out_and_share_1_always_does()
    {
        Assert.All(Ids, id => Assert.Equal(ArmCounts.Personalised, Holdout.ArmOf("summer-sale", id, 0)));
        Assert.All(Ids, id => Assert.Equal(ArmCounts.Holdout, Holdout.ArmOf("summer-sale", id, 1)));
    }

    [Fact]
    public void A_share_splits_render_ids_deterministically_in_about_that_proportion()
    {
        var held = Ids.Count(id => Holdout.ArmOf("summer-sale", id, 0.2) == ArmCounts.Holdout);
        Assert.InRange(held, 1_800, 2_200); // 10,000 draws: 5 standard deviations either side
        Assert.All(Ids.Take(100), id => Assert.Equal(Holdout.ArmOf("summer-sale", id, 0.2), Holdout.ArmOf("summer-sale", id, 0.2)));
        // Known vector: SHA-256("summer-sale/abc")'s first 8 bytes over 2^64.
        Assert.Equal(Holdout.Fraction("summer-sale", "abc"), BitConverter.ToUInt64(System.Security.Cryptography.SHA256.HashData("summer-sale/abc"u8).Take(8).Reverse().ToArray()) / Math.Pow(2, 64));
    }
}
