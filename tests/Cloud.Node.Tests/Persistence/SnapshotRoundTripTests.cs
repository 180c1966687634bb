using System.Text.Json;
using Fleet.Cloud.Campaigns;
using Fleet.Cloud.Devices;
using Fleet.Cloud.KillSwitch;
using Fleet.Cloud.Renders;
using Fleet.Cloud.Rollouts;
using Fleet.Cloud.Telemetry;
using Fleet.Cloud.Tokens;
using Fleet.Shared.Devices;
using Fleet.Shared.Campaigns;
using Fleet.Shared.KillSwitch;
using Fleet.Shared.RenderJobs;
using Fleet.Shared.Rollouts;
using Fleet.Shared.Serialization;
using Fleet.Shared.Telemetry;
using Fleet.Shared.Tokens;

namespace Fleet.Cloud.Node.Tests.Persistence;

/// <summary>
/// For every persistent actor's state: a snapshot taken after any prefix of its events, stored as JSON and restored,
/// plus the events after it, gives the same state as replaying every event from the start.
/// </summary>
public sealed class SnapshotRoundTripTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 28, 9, 30, 0, TimeSpan.Zero);
    private static readonly Dictionary<string, string> Tags = new() { ["store"] = "berlin" };

    private static DeviceFacts Facts(int cores = 4) => new("kiosk-1", "inst-a", "pi-1", cores, 8192, "arm64", "Debian 12", ["libx264"], ["CPUExecutionProvider"], "0.1.0", Tags);

    private static DeviceReplies.KeptAuditHead Head(long seq) => new(seq, new string((char)('a' + seq), 64), T0.AddMinutes(seq), [1, 2], [0x30, 0x59], "0A1B", T0.AddMinutes(seq));

    [Fact]
    public void The_device_registry_entity()
    {
        IFleetEvent[] events =
        [
            new DeviceEvents.EnrolmentCodeIssued("ab12", T0.AddMinutes(15), Tags, T0),
            new DeviceEvents.Enrolled("0A1B", T0.AddDays(730), "code", T0.AddMinutes(1), Tags),
            new DeviceEvents.Registered(Facts(), T0.AddMinutes(2)),
            new DeviceEvents.Seen(T0.AddMinutes(3)),
            new DeviceEvents.AuditHeadKept(Head(1)),
            new DeviceEvents.AuditHeadKept(Head(2)),
            new DeviceEvents.AuditRewriteCaught(new DeviceReplies.AuditRewrite(2, "x", "y", "rewritten", T0.AddMinutes(4))),
            new DeviceEvents.FactsChanged(Facts(cores: 8), T0.AddMinutes(5)),
            new DeviceEvents.CertificateRenewed("0A1C", T0.AddDays(800), T0.AddMinutes(6)),
            new DeviceEvents.Revoked("admin", T0.AddMinutes(7)),
        ];
        SameAfterAnySnapshot(events, new DeviceState("kiosk-1"), (s, e) => s.Apply(e), s => s.ToSnapshot(), s => DeviceState.FromSnapshot("kiosk-1", s));
        var full = events.Aggregate(new DeviceState("kiosk-1"), (s, e) => s.Apply(e));
        Assert.Equal(Json(full.ToView()), Json(DeviceState.FromSnapshot("kiosk-1", RoundTrip(full.ToSnapshot())).ToView()));
    }

    [Fact]
    public void The_rollout_coordinator()
    {
        var started = new RolloutEvents.Started("r1", RolloutArtifact.Parse("campaign:sale@3"), "sale", 3, 2, null, "sale v2", [50.0, 100.0],
            TimeSpan.FromMinutes(5), Tags, ["success>=0.99"], 20, TimeSpan.FromMinutes(30), TimeSpan.FromMinutes(10), "op", "new copy", T0);
        IFleetEvent[] events =
        [
            started,
            new RolloutEvents.CohortGrown("r1", ["d1"], T0.AddSeconds(1)),
            new RolloutEvents.StageEntered("r1", 1, "gates", "passed", T0.AddMinutes(6), 210),
            new RolloutEvents.CohortGrown("r1", ["d2", "d3"], T0.AddMinutes(6)),
            new RolloutEvents.StatusChanged("r1", RolloutStatus.Completed, "gates", "passed", T0.AddMinutes(12)),
            new RolloutEvents.DevicesSettled("r1", [new RolloutDeviceView("d1", DeviceRolloutState.Running, "sale@3")], T0.AddMinutes(13)),
            started with { RolloutId = "r2", TargetVersion = 4, At = T0.AddMinutes(20) },
            new RolloutEvents.CohortGrown("r2", ["d1"], T0.AddMinutes(20)),
            new RolloutEvents.StatusChanged("r2", RolloutStatus.Aborting, "op", "wrong", T0.AddMinutes(21)),
            new RolloutEvents.WrittenOff("r2", ["d1"], "offline", T0.AddMinutes(32)),
        ];
        SameAfterAnySnapshot(events, new RolloutBook(), (b, e) => b.Apply(e), b => b.ToSnapshot(), RolloutBook.FromSnapshot);
    }

    [Fact]
    public void The_kill_switch_authority()
    {
        IFleetEvent[] events =
        [
            new KillEvents.Engaged(new KillDirective("kill-1", 1, KillScope.Parse("campaign:sale"), "bad", "sre", T0)),
            new KillEvents.Acked("kiosk-1", 1, T0.AddSeconds(1)),
            new KillEvents.Released("kill-1", 2, "sre", "fixed", T0.AddMinutes(1)),
            new KillEvents.Acked("kiosk-1", 2, T0.AddMinutes(1)),
            new KillEvents.Acked("kiosk-2", 2, T0.AddMinutes(1)),
        ];
        SameAfterAnySnapshot(events, new KillSwitchState(), (s, e) => s.Apply(e), s => s.ToSnapshot(), KillSwitchState.FromSnapshot);
    }

    [Fact]
    public void The_token_store()
    {
        IFleetEvent[] events =
        [
            new TokenEvents.Created("tok-1", new string('a', 64), TokenRoles.Viewer, null, "ci", T0, "admin"),
            new TokenEvents.Created("tok-2", new string('b', 64), TokenRoles.Device, "kiosk-1", "registration", T0, TokenState.RegistryIssuer),
            new TokenEvents.Revoked("tok-2", T0.AddMinutes(1), TokenState.RegistryIssuer),
            new TokenEvents.Created("tok-3", new string('c', 64), TokenRoles.Device, "kiosk-1", "registration", T0.AddMinutes(1), TokenState.RegistryIssuer),
        ];
        SameAfterAnySnapshot(events, new TokenState(), (s, e) => s.Apply(e), s => s.ToSnapshot(), TokenState.FromSnapshot);
        // The live registration token is known again after a restore: the next registration revokes it.
        var restored = TokenState.FromSnapshot(RoundTrip(events.Aggregate(new TokenState(), (s, e) => s.Apply(e)).ToSnapshot()));
        var (_, next) = restored.Create(new TokenCommands.Create(TokenRoles.Device, "kiosk-1", "registration", TokenState.RegistryIssuer), "tok-4", new string('d', 64), T0.AddMinutes(2));
        Assert.Contains(next, e => e is TokenEvents.Revoked { Id: "tok-3" });
    }

    [Fact]
    public void The_campaign_store()
    {
        var overlay = new ArtifactOverlay("r1", ArtifactKind.Campaign, "sale", "2", null, ["kiosk-1"], Tags, 1);
        IFleetEvent[] events =
        [
            new CampaignEvents.VersionCreated("sale", "Sale", 1, new string('b', 64), "{}", [new string('c', 64)], 1234, T0, "op"),
            new CampaignEvents.ManifestSigned("sale", 1, "{}", "k1", T0.AddDays(30)),
            new CampaignEvents.Assigned("sale", Tags, T0, "op"),
            new CampaignEvents.VersionCreated("sale", "Sale", 2, new string('e', 64), "{}", [], 10, T0.AddMinutes(1), "op", true),
            new CampaignEvents.ModelPublished("minilm", "1.0.0", new string('f', 64), 90, T0, "op"),
            new CampaignEvents.OverlaySet(overlay, T0.AddMinutes(2)),
            new CampaignEvents.VersionMarked("sale", 2, false, "op", "r1 completed", T0.AddMinutes(3)),
            new CampaignEvents.OverlayCleared("r1", T0.AddMinutes(3)),
        ];
        SameAfterAnySnapshot(events, new CampaignStoreState(), (s, e) => s.Apply(e), s => s.ToSnapshot(), CampaignStoreState.FromSnapshot);
    }

    [Fact]
    public void The_render_scheduler()
    {
        var spec = new RenderJobSpec("sale", 1, 1080, new Dictionary<string, string> { ["headline"] = "Hi" }, "Hi");
        IFleetEvent[] events =
        [
            new RenderJobEvents.BudgetSet("sale", 10, 60, "op", T0, 3),
            new RenderJobEvents.Accepted("rj-000001-aa", spec.KeyFor("kiosk-1"), "kiosk-1", spec, RenderLedger.DayOf(T0), T0),
            new RenderJobEvents.Assigned("rj-000001-aa", 1, "w1", T0.AddSeconds(1)),
            new RenderJobEvents.Completed("rj-000001-aa", 1, "w1", new string('d', 64), 1234, 2.5, "libx264", T0.AddSeconds(4)),
            new RenderJobEvents.Accepted("rj-000002-bb", spec.KeyFor("kiosk-2"), "kiosk-2", spec, RenderLedger.DayOf(T0), T0.AddSeconds(5)),
            new RenderJobEvents.Assigned("rj-000002-bb", 1, "w1", T0.AddSeconds(6)),
            new RenderJobEvents.AttemptFailed("rj-000002-bb", 1, "worker lost", T0.AddSeconds(7)),
        ];
        SameAfterAnySnapshot(events, new RenderLedger(), (s, e) => s.Apply(e), s => s.ToSnapshot(), RenderLedger.FromSnapshot);
        // A restored ledger still knows each job by its key: the same request gets the same job.
        var restored = RenderLedger.FromSnapshot(RoundTrip(events.Aggregate(new RenderLedger(), (s, e) => s.Apply(e)).ToSnapshot()));
        var (reply, again) = restored.Handle(new RenderSchedulerCommands.Submit("kiosk-1", spec), T0.AddMinutes(1));
        Assert.Empty(again);
        Assert.Equal("rj-000001-aa", Assert.IsType<RenderSchedulerReplies.Accepted>(reply).Job.JobId);
    }

    [Fact]
    public void The_telemetry_ingest()
    {
        TelemetryEvents.BatchAccepted Batch(string device, long seq, long[] covers, int minute) => new(device, seq, covers, Tags, "baseline",
            SyntheticTelemetry.Minute(T0.AddMinutes(minute), 3), 0, T0.AddMinutes(minute + 1));
        var events = new[] { Batch("kiosk-1", 1, [], 0), Batch("kiosk-1", 3, [], 2), Batch("kiosk-2", 1, [], 0), Batch("kiosk-1", 5, [2, 4], 4) };
        SameAfterAnySnapshot(events, TelemetryStore.Empty, (s, e) => s.Apply(e), TelemetrySnapshots.Of, TelemetrySnapshots.Restore);
        // A batch applied before its write completed is in the snapshot already; replaying it after the snapshot counts nothing twice.
        var store = events.Aggregate(TelemetryStore.Empty, (s, e) => s.Apply(e));
        var restored = TelemetrySnapshots.Restore(RoundTrip(TelemetrySnapshots.Of(store)));
        Assert.True(TelemetrySnapshots.Holds(restored, events[^1]));
        Assert.False(TelemetrySnapshots.Holds(restored, Batch("kiosk-1", 6, [], 6)));
    }

    [Fact]
    public void Retention_drops_finished_jobs_and_old_usage_but_keeps_unfinished_jobs_and_the_job_counter()
    {
        var spec = new RenderJobSpec("sale", 1, 1080, new Dictionary<string, string>(), null);
        var ledger = new IFleetEvent[]
        {
            new RenderJobEvents.Accepted("rj-000001-aa", spec.KeyFor("kiosk-1"), "kiosk-1", spec, RenderLedger.DayOf(T0), T0),
            new RenderJobEvents.Assigned("rj-000001-aa", 1, "w1", T0),
            new RenderJobEvents.Completed("rj-000001-aa", 1, "w1", new string('d', 64), 1, 1, "libx264", T0),
            new RenderJobEvents.Accepted("rj-000002-bb", spec.KeyFor("kiosk-2"), "kiosk-2", spec, RenderLedger.DayOf(T0), T0),
        }.Aggregate(new RenderLedger(), (s, e) => s.Apply(e));
        var later = T0 + RenderLedger.FinishedKeptFor + TimeSpan.FromDays(1);
        var kept = RenderLedger.FromSnapshot(RoundTrip(ledger.Retain(later).ToSnapshot()));
        Assert.Equal(["rj-000002-bb"], kept.Jobs.Keys);
        Assert.Empty(kept.Usage);
        Assert.Equal(2, kept.Accepted);
        Assert.Equal(ledger.Jobs.Keys.Order(), ledger.Retain(T0.AddDays(1)).Jobs.Keys.Order()); // inside the retention nothing goes
    }

    [Fact]
    public void Retention_drops_tokens_revoked_long_ago_and_keeps_live_ones()
    {
        var state = new IFleetEvent[]
        {
            new TokenEvents.Created("tok-1", new string('a', 64), TokenRoles.Viewer, null, "ci", T0, "admin"),
            new TokenEvents.Created("tok-2", new string('b', 64), TokenRoles.Viewer, null, "old", T0, "admin"),
            new TokenEvents.Revoked("tok-2", T0.AddMinutes(1), "admin"),
        }.Aggregate(new TokenState(), (s, e) => s.Apply(e));
        var kept = state.Retain(T0 + TokenState.RevokedKeptFor + TimeSpan.FromDays(1));
        Assert.Equal(["tok-1"], kept.ById.Keys);
        Assert.NotNull(kept.Lookup(new string('a', 64)));
        Assert.Null(kept.Lookup(new string('b', 64)));
    }

    private static void SameAfterAnySnapshot<TState, TEvent, TSnapshot>(IReadOnlyList<TEvent> events, TState empty, Func<TState, TEvent, TState> apply,
        Func<TState, TSnapshot> snapshot, Func<TSnapshot, TState> restore) where TSnapshot : IFleetEvent
    {
        var full = Json(snapshot(events.Aggregate(empty, apply)));
        for (var k = 0; k <= events.Count; k++)
        {
            var restored = restore(RoundTrip(snapshot(events.Take(k).Aggregate(empty, apply))));
            var resumed = events.Skip(k).Aggregate(restored, apply);
            Assert.True(full == Json(snapshot(resumed)), $"snapshot after {k} of {events.Count} events, then the rest, differs from a full replay:\n{full}\n{Json(snapshot(resumed))}");
        }
    }

    /// <summary>Through the JSON the journal stores (the options of the persisted-event serializer).</summary>
    private static T RoundTrip<T>(T snapshot) where T : IFleetEvent =>
        JsonSerializer.Deserialize<T>(JsonSerializer.SerializeToUtf8Bytes(snapshot, FleetJson.Options), FleetJson.Options)!;

    private static string Json(object o) => JsonSerializer.Serialize(o, o.GetType(), FleetJson.Options);
}
