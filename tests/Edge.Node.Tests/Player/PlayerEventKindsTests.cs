using Fleet.Edge.Player;

namespace Fleet.Edge.Node.Tests.Player;

public sealed class PlayerEventKindsTests
{
    [Fact]
    public void A_later_milestone_first_counts_the_earlier_ones_and_they_are_duplicates_afterwards()
    {
        var counted = new List<string>();
        var first = PlayerEventKinds.NewlyCounted(counted, PlayerEventKinds.Q50);
        Assert.Equal([PlayerEventKinds.ImpressionStart, PlayerEventKinds.Q25, PlayerEventKinds.Q50], first);
        counted.AddRange(first);
        Assert.Empty(PlayerEventKinds.NewlyCounted(counted, PlayerEventKinds.ImpressionStart));
        Assert.Empty(PlayerEventKinds.NewlyCounted(counted, PlayerEventKinds.Q25));
        Assert.Equal([PlayerEventKinds.Q75, PlayerEventKinds.Complete], PlayerEventKinds.NewlyCounted(counted, PlayerEventKinds.Complete));
    }

    [Fact]
    public void Click_and_scan_share_one_slot_and_imply_only_the_impression()
    {
        var counted = PlayerEventKinds.NewlyCounted([], PlayerEventKinds.Scan).ToList();
        Assert.Equal([PlayerEventKinds.ImpressionStart, PlayerEventKinds.Click], counted);
        Assert.Empty(PlayerEventKinds.NewlyCounted(counted, PlayerEventKinds.Click));
        Assert.Equal([PlayerEventKinds.Dwell], PlayerEventKinds.NewlyCounted(counted, PlayerEventKinds.Dwell));
    }
}
