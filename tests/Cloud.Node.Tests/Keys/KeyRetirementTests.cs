using Fleet.Cloud.Keys;
using Fleet.Shared.Security;

namespace Fleet.Cloud.Node.Tests.Keys;

public sealed class KeyRetirementTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 1, 8, 0, 0, TimeSpan.Zero);
    private static readonly KeyRetirement.Policy Policy = new(TimeSpan.FromDays(30), TimeSpan.FromDays(30));
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("fleet-keys-");
    private readonly Clock _clock = new(T0);

    public void Dispose() => _dir.Delete(recursive: true);

    private sealed class Clock(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;
        public override DateTimeOffset GetUtcNow() => Now;
    }

    private static TrustStatus.DeviceTrust Device(string id, long? trustVersion, DateTimeOffset lastSeen) =>
        new(id, trustVersion, lastSeen, false, lastSeen);

    [Fact]
    public void An_old_key_retires_only_after_its_successor_aged_and_every_device_not_written_off_holds_the_successor()
    {
        var ring = SigningKeyRing.OpenOrCreate(_dir.FullName, _clock);
        var first = ring.ActiveKid;
        _clock.Now = T0.AddDays(90);
        var second = ring.Rotate();
        var (kid, supersededAt) = Assert.Single(ring.Superseded());
        Assert.Equal((first, T0.AddDays(90)), (kid, supersededAt));
        var holdsSuccessor = supersededAt.ToUnixTimeMilliseconds();

        var now = T0.AddDays(119);
        var fleet = new[] { Device("kiosk-1", holdsSuccessor, now), Device("kiosk-2", holdsSuccessor - 1, now) };
        var young = Assert.Single(KeyRetirement.Plan(ring.Superseded(), fleet, now, Policy));
        Assert.False(young.Due);
        Assert.Equal(["kiosk-2"], young.WaitingFor);

        now = T0.AddDays(121);
        Assert.False(KeyRetirement.Plan(ring.Superseded(), fleet, now, Policy).Single().Due);
        // kiosk-2 confirmed the successor: due.
        fleet[1] = Device("kiosk-2", holdsSuccessor, now);
        Assert.True(KeyRetirement.Plan(ring.Superseded(), fleet, now, Policy).Single().Due);
        // A device that never confirmed but has not been seen for the write-off period holds nothing back.
        fleet[1] = Device("kiosk-2", null, now - TimeSpan.FromDays(31));
        Assert.True(KeyRetirement.Plan(ring.Superseded(), fleet, now, Policy).Single().Due);
        // --retire-after off: never by itself.
        Assert.False(KeyRetirement.Plan(ring.Superseded(), fleet, now, Policy with { RetireAfter = null }).Single().Due);

        _clock.Now = now;
        Assert.True(ring.Retire(first));
        Assert.False(ring.Retire(first));
        Assert.False(ring.Retire(second));
        Assert.True(ring.ExportTrustSet().IsRevoked(first));
        Assert.Empty(ring.Superseded());
        Assert.Equal(second, ring.ActiveKid);
    }
}
