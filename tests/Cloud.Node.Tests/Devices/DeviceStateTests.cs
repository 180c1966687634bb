using Fleet.Cloud.Devices;
using Fleet.Shared.Devices;
using Fleet.Shared.Serialization;

namespace Fleet.Cloud.Node.Tests.Devices;

public sealed class DeviceStateTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 28, 9, 0, 0, TimeSpan.Zero);

    private static DeviceFacts Facts(string installation = "inst-a", int cores = 4) => new(
        "kiosk-1", installation, "pi", cores, 8192, "arm64", "Debian", new[] { "libx264" }, new[] { "CPUExecutionProvider" }, "0.1.0",
        new Dictionary<string, string> { ["store"] = "berlin" });

    private static DeviceState Run(DeviceState s, IEnumerable<IFleetEvent> events) => events.Aggregate(s, (acc, e) => acc.Apply(e));

    [Fact]
    public void First_registration_records_the_device()
    {
        var (reply, events) = new DeviceState("kiosk-1").Handle(new DeviceCommands.Register(Facts(), "addr-1"), T0);
        Assert.Equal(("kiosk-1", true), (((DeviceReplies.Registered)reply).DeviceId, ((DeviceReplies.Registered)reply).FirstTime));
        var state = Run(new DeviceState("kiosk-1"), events);
        Assert.Equal(T0, state.RegisteredAt);
        Assert.Equal("inst-a", state.Facts!.InstallationId);
    }

    [Fact]
    public void An_enrolled_device_is_registered_with_its_enrolment_tags_whatever_it_says_of_itself()
    {
        var enrolled = new Dictionary<string, string> { ["store"] = "lisbon", ["hw"] = "pi5" };
        var s = Run(new DeviceState("kiosk-1"), new DeviceState("kiosk-1").Handle(new DeviceCommands.RecordEnrolment("kiosk-1", "0A", T0.AddYears(1), enrolled), T0).Events);

        var (reply, events) = s.Handle(new DeviceCommands.Register(Facts(), "gateway"), T0);
        Assert.Equal(enrolled, Assert.IsType<DeviceReplies.Registered>(reply).Tags);
        Assert.Equal(enrolled, Run(s, events).Facts!.Tags);
        // A device claiming other tags later changes nothing: same facts, only a sign of life.
        Assert.IsType<DeviceEvents.Seen>(Assert.Single(Run(s, events).Handle(new DeviceCommands.Register(Facts(), "gateway"), T0.AddHours(1)).Events));
    }

    [Fact]
    public void A_development_device_without_an_enrolment_keeps_its_own_tags()
    {
        var (_, events) = new DeviceState("kiosk-1").Handle(new DeviceCommands.Register(Facts(), "addr"), T0);
        Assert.Equal("berlin", Run(new DeviceState("kiosk-1"), events).Facts!.Tags["store"]);
    }

    [Fact]
    public void A_restart_keeps_the_record_and_only_records_changed_facts()
    {
        var s = Run(new DeviceState("kiosk-1"), new DeviceState("kiosk-1").Handle(new DeviceCommands.Register(Facts(), "a"), T0).Events);

        var (same, sameEvents) = s.Handle(new DeviceCommands.Register(Facts(), "b"), T0.AddHours(1));
        Assert.False(Assert.IsType<DeviceReplies.Registered>(same).FirstTime);
        Assert.IsType<DeviceEvents.Seen>(Assert.Single(sameEvents));

        var (_, changed) = s.Handle(new DeviceCommands.Register(Facts(cores: 8), "b"), T0.AddHours(1));
        var after = Run(s, changed);
        Assert.IsType<DeviceEvents.FactsChanged>(Assert.Single(changed));
        Assert.Equal(8, after.Facts!.Cores);
        Assert.Equal(T0, after.RegisteredAt);
    }

    [Fact]
    public void The_same_id_from_another_installation_is_refused_and_the_first_keeps_its_record()
    {
        var s = Run(new DeviceState("kiosk-1"), new DeviceState("kiosk-1").Handle(new DeviceCommands.Register(Facts(), "a"), T0).Events);
        var (reply, events) = s.Handle(new DeviceCommands.Register(Facts("inst-b", cores: 64), "evil"), T0.AddMinutes(1));
        var refused = Assert.IsType<DeviceReplies.Refused>(reply);
        Assert.Contains("another installation", refused.Reason);
        var after = Run(s, events);
        Assert.Equal("inst-a", after.Facts!.InstallationId);
        Assert.Equal(4, after.Facts.Cores);
    }

    [Fact]
    public void Heartbeats_persist_last_seen_at_most_once_per_interval_and_ignore_strangers()
    {
        var s = Run(new DeviceState("kiosk-1"), new DeviceState("kiosk-1").Handle(new DeviceCommands.Register(Facts(), "a"), T0).Events);
        Assert.Empty(s.Handle(new DeviceCommands.Heartbeat("kiosk-1", "inst-a"), T0.AddSeconds(10)));
        Assert.Single(s.Handle(new DeviceCommands.Heartbeat("kiosk-1", "inst-a"), T0 + DeviceState.SeenPersistInterval));
        Assert.Empty(s.Handle(new DeviceCommands.Heartbeat("kiosk-1", "inst-b"), T0.AddHours(1)));
    }

    [Fact]
    public void Membership_news_about_an_older_address_is_ignored()
    {
        var s = new DeviceState("kiosk-1").AsMember("new-addr", Connectivity.Up);
        var stale = s.With(new DeviceCommands.ConnectivityChanged("kiosk-1", Connectivity.Offline, "old-addr", T0));
        Assert.Equal(Connectivity.Up, stale.Connectivity);
        var real = s.With(new DeviceCommands.ConnectivityChanged("kiosk-1", Connectivity.Unreachable, "new-addr", T0));
        Assert.Equal(Connectivity.Unreachable, real.Connectivity);
    }

    [Fact]
    public void A_certificate_is_renewed_only_for_a_registered_unrevoked_device_and_at_most_once_per_interval()
    {
        var interval = TimeSpan.FromHours(1);
        var fresh = new DeviceState("kiosk-1");
        Assert.Contains("must register before", fresh.RenewalRefusal(T0, interval));

        var registered = Run(fresh, fresh.Handle(new DeviceCommands.Register(Facts(), "gateway"), T0).Events);
        Assert.Null(registered.RenewalRefusal(T0, interval));
        var renewed = Run(registered, [new DeviceEvents.CertificateRenewed("0B", T0.AddDays(730), T0)]);
        Assert.Equal("0B", renewed.CertificateSerial);
        Assert.StartsWith("rate limit", renewed.RenewalRefusal(T0.AddMinutes(59), interval));
        Assert.Null(renewed.RenewalRefusal(T0.AddMinutes(61), interval));

        var revoked = Run(renewed, renewed.Handle(new DeviceCommands.Revoke("kiosk-1", "op"), T0.AddDays(1)).Events);
        Assert.Contains("was revoked", revoked.RenewalRefusal(T0.AddDays(2), interval));
    }
}
