using Fleet.Shared.Cluster.Attestation;
using Fleet.Shared.Devices;
using Fleet.Shared.Campaigns;
using Fleet.Shared.KillSwitch;
using Fleet.Shared.Rollouts;
using Fleet.Shared.RenderJobs;
using Fleet.Shared.Telemetry;
using Fleet.Shared.Tokens;

namespace Fleet.Shared.Tests.Serialization;

/// <summary>One filled-in instance of every wire and persisted type; a test checks none is missing.</summary>
public static class ProtocolSamples
{
    public static readonly DateTimeOffset At = new(2026, 11, 28, 9, 30, 0, TimeSpan.Zero);
    /// <summary>A W3C trace context, as the messages that carry one hold it.</summary>
    private const string TraceParent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

    public static DeviceFacts Facts(string id = "kiosk-1", string installation = "inst-a") => new(
        id, installation, "pi-1", 4, 8192, "arm64", "Debian 12", new[] { "h264_v4l2m2m", "libx264" },
        new[] { "CPUExecutionProvider" }, "0.1.0", new Dictionary<string, string> { ["store"] = "berlin", ["hw"] = "pi5" });

    public static KillDirective Directive() => new("kill-1", 1, KillScope.Parse("model:minilm@1.2.0"), "bad output", "sre", At);

    public static RenderJobSpec JobSpec() => new("summer-sale", 1, 1080, new Dictionary<string, string> { ["headline"] = "Summer Sale", ["cta"] = "Shop now" },
        "Summer Sale. Shop now");

    public static RenderJobView JobView() => new("rj-000001-abcdef12", "kiosk-1", JobSpec(), RenderJobStatus.Done, 1, "127.0.0.1:4053#1", "libx264",
        new string('d', 64), 1234, 2.5, null, new[] { "attempt 1: worker lost" }, At, At.AddSeconds(3));

    public static RenderUsageView Usage() => new("summer-sale", "2026-11-28", 3, 7.5, 10, null, 2);

    public static KillRecord Record() => new(Directive(), At, "sre", "fixed", 2);

    public static Fleet.Shared.Audit.SignedAuditHead AuditHead() => new(7, new string('a', 64), At, new byte[] { 1, 2, 3 }, new byte[] { 0x30, 0x82, 1, 2 });

    public static DeviceReplies.KeptAuditHead KeptHead() => new(7, new string('a', 64), At, new byte[] { 1, 2, 3 }, new byte[] { 0x30, 0x59 }, "0A1B2C", At);

    public static DeviceReplies.AuditRewrite Rewrite() => new(7, new string('b', 64), new string('a', 64), "seq 7 was signed earlier with another hash", At);

    public static IEnumerable<object> Protocol() => new object[]
    {
        KillScope.Parse("campaign:summer-sale"),
        new NodeAttestationProtocol.Challenge(new byte[] { 1, 2, 3 }),
        new NodeAttestationProtocol.Statement(new byte[] { 0x30, 0x01 }, "akka.ssl.tcp://fleet@127.0.0.1:4053", new[] { "control", "render" }, At,
            new byte[] { 1, 2, 3 }, new byte[] { 4, 5 }),
        Directive(),
        new KillPolicy(1, new[] { Directive() }, At),
        new SignedKillPolicy("{\"kid\":\"k1\"}", 1, "{\"keys\":[]}", TraceParent: TraceParent),
        new KillCommands.Engage(KillScope.AllGenerative, "panic", "sre", TraceParent),
        new KillCommands.Release("kill-1", "fixed", "sre"),
        new KillCommands.Sync("kiosk-1"),
        JobSpec(),
        JobView(),
        Usage(),
        new RenderSchedulerCommands.Submit("kiosk-1", JobSpec(), TraceParent: TraceParent),
        new RenderSchedulerCommands.GetJob("rj-000001-abcdef12"),
        new RenderSchedulerCommands.ListJobs("summer-sale"),
        new RenderSchedulerCommands.SetBudget("summer-sale", 10, 60.5, "op", 4),
        new RenderSchedulerCommands.WorkerPull("127.0.0.1:4053#1", 2, "libx264", false, new[] { "rj-000001-abcdef12" }),
        new RenderSchedulerCommands.WorkDone("127.0.0.1:4053#1", "rj-000001-abcdef12", 1, new string('d', 64), 1234, 2.5, "libx264"),
        new RenderSchedulerCommands.WorkFailed("127.0.0.1:4053#1", "rj-000001-abcdef12", 1, "ffmpeg exited 1"),
        new RenderSchedulerReplies.Accepted(JobView(), true),
        new Fleet.Shared.Commands.Refused(Fleet.Shared.Commands.RefusalCode.Budget, "campaign summer-sale used its 10 cloud renders"),
        new RenderSchedulerReplies.JobList(new[] { JobView() }, new[] { Usage() }),
        new RenderSchedulerReplies.BudgetSet(Usage()),
        new RenderSchedulerReplies.Assign("rj-000001-abcdef12", 1, JobSpec(), TraceParent),
        new RenderSchedulerReplies.WorkAcked("rj-000001-abcdef12", 1),
        new KillCommands.Ack("kiosk-1", 1, At, TraceParent),
        KillCommands.GetState.Instance,
        new KillCommands.Result(Directive(), 1, null),
        new KillCommands.State(2, new[] { Record() }, new Dictionary<string, DeviceAck> { ["kiosk-1"] = new(2, At) }),
        Record(),
        new DeviceAck(1, At),
        Facts(),
        new DeviceCommands.Register(Facts(), "akka.tcp://fleet@10.0.0.5:40000"),
        new DeviceCommands.Heartbeat("kiosk-1", "inst-a"),
        new DeviceCommands.ConnectivityChanged("kiosk-1", Connectivity.Unreachable, "akka.tcp://fleet@10.0.0.5:40000", At),
        new DeviceCommands.Get("kiosk-1"),
        new DeviceReplies.Registered("kiosk-1", true),
        new DeviceReplies.Refused("kiosk-1", "duplicate"),
        new DeviceReplies.DeviceView("kiosk-1", Facts(), At, At, Connectivity.Up, "akka.tcp://fleet@10.0.0.5:40000"),
        new DeviceCommands.Register(Facts(), "akka.ssl.tcp://fleet@10.0.0.5:40000", new DeviceProof(new byte[] { 0x30, 0x82, 1, 2 }, At, new byte[] { 9, 8, 7 })),
        new DeviceProof(new byte[] { 0x30, 0x82 }, At, new byte[] { 1 }),
        new DeviceCommands.IssueEnrolmentCode("kiosk-1", "ab12", At, new Dictionary<string, string> { ["store"] = "berlin" }),
        new DeviceCommands.CheckEnrolmentCode("kiosk-1", "ab12"),
        new DeviceCommands.RedeemEnrolmentCode("kiosk-1", "ab12", "0A1B2C", At),
        new DeviceCommands.RecordEnrolment("kiosk-1", "0A1B2C", At),
        new DeviceCommands.Revoke("kiosk-1", "admin"),
        new DeviceReplies.EnrolmentAccepted("kiosk-1", new Dictionary<string, string> { ["store"] = "berlin" }),
        new DeviceReplies.RevokeResult("kiosk-1", true, At),
        new DeviceCommands.RenewCertificate("kiosk-1", "-----BEGIN CERTIFICATE REQUEST-----\nMIIB\n-----END CERTIFICATE REQUEST-----"),
        new DeviceReplies.CertificateIssued("kiosk-1", "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----"),
        new DeviceReplies.CertificateRefused("kiosk-1", "rate limit"),
        AuditHead(),
        new DeviceCommands.SubmitAuditHead("kiosk-1", AuditHead()),
        new DeviceCommands.GetAuditHeads("kiosk-1"),
        new DeviceReplies.AuditHeadAnswer("kiosk-1", 7, new string('a', 64), false, "refused: audit head signature does not match the certificate"),
        KeptHead(),
        Rewrite(),
        new DeviceReplies.AuditHeads("kiosk-1", new[] { KeptHead() }, new[] { Rewrite() }),
        new RevocationNotice("kiosk-1"),
        new Fleet.Shared.Security.KeyRingNotice("k20260101-0123456789ab"),
        new RegistrationNotice("kiosk-1"),
        new TelemetryProtocol.Batch("kiosk-1", 7, [5, 6], AggregateCodec.Encode(SyntheticTelemetry.Minute(At, 3)), 0, new Dictionary<string, string> { ["store"] = "berlin" }),
        new TelemetryProtocol.Ack("kiosk-1", 7, false),
        new TelemetryProtocol.Rejected("kiosk-1", 0, "seq 0 is not positive"),
        new TelemetryProtocol.Query("kiosk-1", "summer-sale", "canary", 600),
        Report(),
        Report().Campaigns[0],
        Report().Campaigns[0].Variants[0],
        Report().RecentRejections[0],
        Report().Periods![0],
        Report().Periods![0].Resources!,
        new DeviceReplies.Registered("kiosk-1", false, new DeviceCredentials("fld_secret", "http://10.0.0.1:5080")),
        new DeviceCredentials("fld_secret", "http://10.0.0.1:5080"),
    }.Concat(Campaigns()).Concat(Tokens()).Concat(Rollouts());

    public static RolloutArtifact Artifact() => RolloutArtifact.Parse("model:minilm@2.0.0");

    public static ArtifactOverlay Overlay() => new("r1", ArtifactKind.Campaign, "summer-sale", "3", null, L("kiosk-1"), Tags, 2);

    public static RolloutView RolloutView() => new("r1", "campaign:summer-sale@3", "summer-sale v2", RolloutStatus.Running, L(1.0, 100.0), 0, 1, At,
        TimeSpan.FromMinutes(10), L("success>=0.99"), 50, Tags, 20, "observing", new HealthWindow(10, 9, 1, 0, 0, 230, 8), HealthWindow.Empty,
        L(new RolloutDeviceView("kiosk-1", DeviceRolloutState.Running, "summer-sale@3")), L(new RolloutTransition(At, "started", "op", "new copy")), "op", At, null,
        L(new GateSample(At, new HealthWindow(10, 9, 1, 0, 0, 230, 8), HealthWindow.Empty)));

    private static IEnumerable<object> Rollouts() => new object[]
    {
        ArtifactKind.Campaign,
        ArtifactKind.Model,
        ArtifactKind.Template,
        Artifact(),
        Overlay(),
        new DeviceModel("minilm", "2.0.0", "model-corrupt: bad protobuf"),
        new HealthWindow(10, 9, 1, 0, 0, 230, 8),
        new RolloutCommands.Start(Artifact(), L(1.0, 100.0), TimeSpan.FromMinutes(10), Tags, L("p95<=1.2x"), 50, TimeSpan.FromMinutes(30), TimeSpan.FromMinutes(10), "op", "new model"),
        new RolloutCommands.Act("r1", RolloutAction.Abort, "bad copy", "op"),
        new RolloutCommands.Get("r1"),
        RolloutCommands.List.Instance,
        new Fleet.Shared.Commands.Refused(Fleet.Shared.Commands.RefusalCode.Conflict, "busy"),
        new RolloutCommands.RolloutList(L(RolloutView())),
        RolloutView(),
        RolloutView().Devices[0],
        RolloutView().History[0],
        RolloutView().Samples![0],
        new CampaignCommands.ResolveArtifact(Artifact()),
        new CampaignCommands.SetOverlay(Overlay()),
        new CampaignCommands.ClearOverlay("r1"),
        new CampaignCommands.MarkVersion("summer-sale", 3, true, "gates", "r1 rolled back"),
        new CampaignCommands.GetReview("summer-sale", 3),
        new CampaignCommands.ReviewVariant("summer-sale", 3, "h-rainy", false, "alice", "operator", "off brand"),
        new CampaignReplies.VariantReview("h-rainy", "de", "headline", "Regen? {{price}}", "rejected", L("blocklisted:gratis"), "alice", "operator", "off brand", At),
        new CampaignReplies.ReviewView("summer-sale", 3, false, L(new CampaignReplies.VariantReview("h-rainy", "", "cta", "Shop", "unreviewed", L<string>()))),
        new CampaignReplies.ReviewAnswer(null, 404, "campaign 'x' has no version 3"),
        new CampaignReplies.ArtifactResolved(Artifact(), null, null, null, new string('c', 64), "minilm as each manifest names it"),
        new CampaignReplies.OverlayApplied("overlay r1 set", 4),
        new TelemetryProtocol.HealthQuery(L("kiosk-1"), L("kiosk-2"), At, "summer-sale", "3", null),
        new TelemetryProtocol.HealthReply(new HealthWindow(10, 9, 1, 0, 0, 230, 8), HealthWindow.Empty),
    };

    public static TelemetryReport Report() => new(At.AddMinutes(-10), At, null, "summer-sale", null, 2,
        new List<CampaignReport> { new CampaignReport("summer-sale", "3", 10, 9, 1, 2, 1, 0, 0.1, new Dictionary<string, double> { ["composite:static-creative:ffmpeg-missing"] = 0.1 },
            210, 400, 410, 8, 2, 0.25, new List<VariantReport> { new("h1", 10, 8, 2, 0.25) }) },
        0, 1, new List<RejectionView> { new(At, "kiosk-2", "akka.tcp://fleet@10.0.0.6:4000", 0, "seq 0 is not positive") }, 0,
        new List<DevicePeriod> { new(At.AddMinutes(-1), 1, 10, SyntheticTelemetry.Minute(At, 2).Resources) });

    private static readonly Dictionary<string, string> Tags = new() { ["store"] = "berlin" };

    private static TokenReplies.TokenView TokenView() => new("tok-1", TokenRoles.Device, "kiosk-1", "registration", At, "registry", null);

    private static IEnumerable<object> Tokens() => new object[]
    {
        new TokenCommands.Create(TokenRoles.Viewer, null, "ci", "admin"),
        new TokenCommands.Revoke("tok-1", "admin"),
        TokenCommands.List.Instance,
        new TokenCommands.Authenticate(new string('a', 64)),
        new TokenCommands.IssueDeviceToken("kiosk-1"),
        TokenView(),
        new TokenReplies.Created(TokenView(), "fld_secret"),
        new TokenReplies.Revoked(TokenView() with { RevokedAt = At }),
        new TokenReplies.Listed(L(TokenView())),
        new TokenReplies.Lookup(TokenView()),
        new TokenReplies.DeviceToken("kiosk-1", "fld_secret", "http://10.0.0.1:5080"),
    };

    private static IEnumerable<object> Campaigns()
    {
        var summary = new CampaignReplies.CampaignSummary("summer-sale", "Summer", 2, At, L(Tags));
        var version = new CampaignReplies.VersionView(2, new string('b', 64), At, "op", "k1", At.AddDays(30), 5, 1234);
        var model = new CampaignReplies.ModelView("minilm", "1.0.0", new string('c', 64), 90, At, "op");
        var report = new DeviceSyncReport("kiosk-1", L(new RunningCampaign("summer-sale", 2, "k1", At)),
            L(new SyncRejection("summer-sale", 3, "bad-signature", "signature does not match", At)), At, L(new DeviceModel("minilm", "1.0.0", null)));
        return new object[]
        {
            new AssignmentTable(3, L(new Assignment("summer-sale", 2, Tags, true)), "{}", L(Overlay()), null,
                L(new WithdrawnVersion("summer-sale", 4)), """{"kid":"k1","alg":"ES256","payload":"e30=","signature":"AA=="}"""),
            new WithdrawnVersion("summer-sale", 4),
            new Assignment("summer-sale", 2, Tags),
            new GetAssignmentTable("kiosk-1"),
            report,
            report.Running[0],
            report.Rejections[0],
            new CampaignCommands.PublishVersion("summer-sale", "Summer", new string('b', 64), "{}", L(new string('c', 64)), 1234, "op"),
            new CampaignCommands.PublishModel("minilm", "1.0.0", new string('c', 64), 90, "op"),
            new CampaignCommands.Assign("summer-sale", Tags, "op"),
            CampaignCommands.ListCampaigns.Instance,
            new CampaignCommands.GetCampaign("summer-sale"),
            CampaignCommands.ListModels.Instance,
            new CampaignCommands.GetManifest("summer-sale", 2),
            new CampaignCommands.CheckDeviceAccess("kiosk-1", Tags, "summer-sale", null),
            CampaignCommands.TrustChanged.Instance,
            new CampaignCommands.GetSyncStatus("summer-sale"),
            new CampaignReplies.Published("summer-sale", 2, true, new string('b', 64)),
            new CampaignReplies.ModelPublished(model, true),
            new CampaignReplies.Assigned("summer-sale", Tags, 2),
            summary,
            version,
            new CampaignReplies.CampaignDetail(summary, L(version)),
            new CampaignReplies.CampaignList(L(summary)),
            model,
            new CampaignReplies.ModelList(L(model)),
            new CampaignReplies.ManifestJson("summer-sale", 2, "{}"),
            new CampaignReplies.Access(false, "not assigned"),
            new CampaignReplies.SyncStatus(L(report)),
        };
    }

    private static List<T> L<T>(params T[] items) => items.ToList();

    public static IEnumerable<object> Events() => new object[]
    {
        new DeviceEvents.Registered(Facts(), At),
        new DeviceEvents.FactsChanged(Facts() with { Cores = 8 }, At),
        new DeviceEvents.Seen(At),
        new DeviceEvents.DuplicateRefused("inst-b", "other-host", At),
        new KillEvents.Engaged(Directive()),
        new KillEvents.Released("kill-1", 2, "sre", "fixed", At),
        new KillEvents.Acked("kiosk-1", 1, At),
        new KillEvents.AckedBatch(L(new KillEvents.Acked("kiosk-1", 1, At), new KillEvents.Acked("kiosk-2", 1, At))),
        new DeviceEvents.EnrolmentCodeIssued("ab12", At, new Dictionary<string, string> { ["store"] = "berlin" }, At),
        new DeviceEvents.Enrolled("0A1B2C", At, "code", At, new Dictionary<string, string> { ["store"] = "berlin" }),
        new DeviceEvents.Revoked("admin", At),
        new DeviceEvents.CertificateRenewed("0A1B2D", At.AddDays(730), At),
        new DeviceEvents.AuditHeadKept(KeptHead()),
        new DeviceEvents.AuditRewriteCaught(Rewrite()),
        new TelemetryEvents.BatchAccepted("kiosk-1", 3, [1, 2], new Dictionary<string, string> { ["store"] = "berlin" }, "baseline",
            SyntheticTelemetry.Minute(At, 2), 0, At),
        new TokenEvents.Created("tok-1", new string('a', 64), TokenRoles.Device, "kiosk-1", "registration", At, "registry"),
        new TokenEvents.Revoked("tok-1", At, "admin"),
        new CampaignEvents.VersionCreated("summer-sale", "Summer", 1, new string('b', 64), "{}", L(new string('c', 64)), 1234, At, "op"),
        new CampaignEvents.ManifestSigned("summer-sale", 1, "{}", "k1", At.AddDays(30)),
        new CampaignEvents.Assigned("summer-sale", Tags, At, "op"),
        new CampaignEvents.ModelPublished("minilm", "1.0.0", new string('c', 64), 90, At, "op"),
        new CampaignEvents.VersionMarked("summer-sale", 3, true, "gates", "r1 rolled back", At),
        new CampaignEvents.VariantReviewed("summer-sale", 3, "h-rainy", false, "alice", "operator", "off brand", At),
        new CampaignEvents.OverlaySet(Overlay(), At),
        new CampaignEvents.OverlayCleared("r1", At),
        new RolloutEvents.Started("r1", RolloutArtifact.Parse("campaign:summer-sale@3"), "summer-sale", 3, 2, null, "summer-sale v2", L(1.0, 25.0, 100.0),
            TimeSpan.FromMinutes(10), Tags, L("success>=0.99", "p95<=1.2x"), 50, TimeSpan.FromMinutes(30), TimeSpan.FromMinutes(10), "op", "new copy", At),
        new RolloutEvents.StageEntered("r1", 1, "gates", "stage 1 passed", At),
        new RolloutEvents.CohortGrown("r1", L("kiosk-1", "kiosk-2"), At),
        new RolloutEvents.StatusChanged("r1", RolloutStatus.RollingBack, "gates", "fallback<=0.02: canary 0.4", At),
        new RolloutEvents.WrittenOff("r1", L("kiosk-9"), "offline for more than 00:10:00", At),
        new RolloutEvents.DevicesSettled("r1", L(new RolloutDeviceView("kiosk-1", DeviceRolloutState.Running, "summer-sale@3")), At),
        new RenderJobEvents.Accepted("rj-000001-abcdef12", "abcdef12", "kiosk-1", JobSpec(), "2026-11-28", At),
        new RenderJobEvents.Assigned("rj-000001-abcdef12", 1, "127.0.0.1:4053#1", At),
        new RenderJobEvents.Completed("rj-000001-abcdef12", 1, "127.0.0.1:4053#1", new string('d', 64), 1234, 2.5, "libx264", At),
        new RenderJobEvents.AttemptFailed("rj-000001-abcdef12", 1, "worker lost", At),
        new RenderJobEvents.BudgetSet("summer-sale", 10, null, "op", At, 4),
    }.Concat(Snapshots());

    /// <summary>One filled-in snapshot of every persistent actor; stored like events (versioned JSON).</summary>
    public static IEnumerable<object> Snapshots() => new object[]
    {
        new DeviceSnapshot(Facts(), At, At.AddMinutes(5), At.AddMinutes(4), new DeviceSnapshot.PendingCode("ab12", At.AddMinutes(15), Tags), "0A1B2C",
            Tags, null, At.AddDays(1), L(KeptHead()), L(Rewrite())),
        new RolloutsSnapshot(L(new RolloutsSnapshot.Entry(
            new RolloutEvents.Started("r1", RolloutArtifact.Parse("campaign:summer-sale@3"), "summer-sale", 3, 2, null, "summer-sale v2", L(50.0, 100.0),
                TimeSpan.FromMinutes(10), Tags, L("success>=0.99"), 50, TimeSpan.FromMinutes(30), TimeSpan.FromMinutes(10), "op", "new copy", At),
            RolloutStatus.Completed, 1, At.AddMinutes(10), new Dictionary<string, DateTimeOffset> { ["kiosk-1"] = At, ["kiosk-2"] = At.AddMinutes(10) },
            L("kiosk-9"), L(new RolloutTransition(At, "started", "op", "new copy")), null, At.AddMinutes(20), 230.5,
            L(new RolloutDeviceView("kiosk-1", DeviceRolloutState.Running, "summer-sale@3"))))),
        new KillSwitchSnapshot(2, L(Record()), new Dictionary<string, DeviceAck> { ["kiosk-1"] = new(2, At) }),
        new Fleet.Shared.Tokens.TokensSnapshot(L(new Fleet.Shared.Tokens.TokensSnapshot.Entry(TokenView(), new string('a', 64)))),
        new CampaignsSnapshot(
            L(new CampaignsSnapshot.Campaign("summer-sale", "Summer",
                L(new CampaignsSnapshot.Version(new CampaignEvents.VersionCreated("summer-sale", "Summer", 1, new string('b', 64), "{}", L(new string('c', 64)), 1234, At, "op"),
                    new CampaignEvents.ManifestSigned("summer-sale", 1, "{}", "k1", At.AddDays(30)))),
                L<IReadOnlyDictionary<string, string>>(Tags), L(2), L(2))),
            L(new CampaignReplies.ModelView("minilm", "1.0.0", new string('c', 64), 90, At, "op")), L(Overlay()), 7),
        new RenderLedgerSnapshot(L(JobView()), L(new RenderLedgerSnapshot.Budget("summer-sale", 10, 60.5, 2)),
            L(new RenderLedgerSnapshot.DayUsage("summer-sale", "2026-11-28", 3, 7.5)), 1,
            new Dictionary<string, string> { [new string('e', 64)] = "rj-000001-abcdef12" }),
        new TelemetrySnapshot(L(new TelemetrySnapshot.Device("kiosk-1", 7, L(9L, 10L), Tags, "baseline",
            L(new TelemetrySnapshot.Window(At, 1, "baseline", SyntheticTelemetry.Minute(At, 2).Groups)), 3, 1))),
    };
}
