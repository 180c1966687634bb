using System.Diagnostics;

namespace Fleet.Integration.Tests;

/// <summary>
/// The kill authority moving to another control node after it recorded acks it had not written yet: the devices whose
/// gateway stays must acknowledge again, soon, although their streams already carried that epoch.
/// </summary>
[Collection(SecondClusterCollection.Name)]
public sealed class KillHandoverTests
{
    [Fact]
    public async Task Acks_the_leaving_authority_never_wrote_are_made_again_within_seconds_of_the_takeover()
    {
        using var tmp = new TempDir();
        var db = await Databases.FreshAsync(Databases.Sqlite, tmp.Path);
        // The first node's authority keeps its acks unwritten, as one that crashed between recording and writing them would.
        var first = await CloudUnderTest.StartAsync(db, tmp.Sub("cloud"), secure: true, configure: o => o with { KillAckWriteDelay = TimeSpan.FromHours(1) });
        await using var second = await CloudUnderTest.StartAsync(db, tmp.Sub("cloud"), seeds: new[] { first.Seed }, secure: true);
        // The device's stream is on the gateway that stays: it acknowledged the epoch there, so repeats of it stay back.
        await using var edge = EdgeUnderTest.StartEnrolled(await first.EnrolAsync("kiosk-1", tmp.Sub("e")), gateways: new[] { second.Gateway });
        await second.WaitForDevicesUpAsync(1);
        var id = (await KillSwitchTests.EngageAsync(first, "model:minilm@1.0.0")).Directive!.Id;
        await Eventually.Until(() => KillSwitchTests.StatusAsync(first, id), s => s.Pending == 0, TimeSpan.FromSeconds(60), "the ack on the first node's authority");

        await first.DisposeAsync(); // the oldest node leaves with the authority and the unwritten ack
        var left = Stopwatch.StartNew();
        var taken = await Eventually.Until(() => KillSwitchTests.StatusAsync(second, id), _ => true, TimeSpan.FromSeconds(60), "the new authority's status");
        var retaken = left.Elapsed;
        await Eventually.Until(() => KillSwitchTests.StatusAsync(second, id), s => s.Pending == 0, TimeSpan.FromSeconds(60), "the ack made again on the new authority");

        // The gateway lets the new authority's repeats through (a control node left); held back, the device would
        // acknowledge again only with the 30 s repeat of an acknowledged epoch, or when the trust set's bytes changed.
        Assert.True(left.Elapsed - retaken < TimeSpan.FromSeconds(10),
            $"acknowledged again {(left.Elapsed - retaken).TotalSeconds:0.0} s after the new authority answered (it first showed {taken.Pending} pending)");
    }
}
