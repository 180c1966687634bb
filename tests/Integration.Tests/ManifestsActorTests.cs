using System.Security.Cryptography;
using System.Text;
using Akka.Actor;
using Fleet.Edge.Manifests;
using Fleet.Shared.Campaigns;
using Fleet.Shared.Manifests;
using Fleet.Shared.Security;
using Fleet.Shared.Tokens;
using static Fleet.Edge.Manifests.ManifestsProtocol;

namespace Fleet.Integration.Tests;

/// <summary>The edge manifests actor against a real HTTP server serving good, tampered and missing content.</summary>
[Collection(ClusterCollection.Name)]
public sealed class ManifestsActorTests : IAsyncLifetime
{
    private const string Campaign = "promo";
    private readonly TempDir _tmp = new();
    private readonly FakeCloud _cloud = new();
    private readonly ActorSystem _system = ActorSystem.Create("manifests-test");
    private readonly SigningKeyRing _ring;
    private readonly byte[] _template = Encoding.UTF8.GetBytes("""{"width":1280}""");
    private TrustSet _trust;
    private IActorRef _actor = ActorRefs.Nobody;
    private long _revision;

    public ManifestsActorTests()
    {
        _ring = SigningKeyRing.OpenOrCreate(_tmp.Sub("keys"));
        _trust = _ring.ExportTrustSet();
    }

    public Task InitializeAsync()
    {
        _actor = StartActor();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _system.Terminate();
        await _cloud.DisposeAsync();
        _tmp.Dispose();
    }

    [Fact]
    public async Task A_verified_version_is_swapped_in_and_its_folder_loads_as_a_campaign()
    {
        var v1 = Serve(1, heroSeed: 1);
        Assign(1);
        var status = await WaitRunning(1);
        Assert.Equal(_ring.ActiveKid, status.Running.Single().Kid);
        Assert.All(_cloud.Tokens, t => Assert.Equal("Bearer device-secret", t));

        var active = await _actor.Ask<ActiveCampaign>(new GetActiveCampaign(Campaign), TimeSpan.FromSeconds(3));
        Assert.Equal(1, active.Version);
        Assert.Equal(v1.Assets.Single(a => a.Name == "hero").Sha256, Sha(File.ReadAllBytes(active.AssetPaths["hero"])));
        var spec = System.Text.Json.JsonSerializer.Deserialize<CampaignSpec>(File.ReadAllBytes(Path.Combine(active.Folder, "campaign.json")),
            Fleet.Shared.Serialization.FleetJson.Options)!;
        Assert.Equal("hero", spec.Assets.Single(a => a.Name == "hero").Name);
        Assert.Equal(File.ReadAllBytes(active.AssetPaths["hero"]), File.ReadAllBytes(Path.Combine(active.Folder, spec.Assets.Single(a => a.Name == "hero").Path)));
        Assert.Equal(_template, File.ReadAllBytes(Path.Combine(active.Folder, "template.json")));
        Assert.IsType<NoActiveCampaign>(await _actor.Ask<object>(new GetActiveCampaign("other"), TimeSpan.FromSeconds(3)));
    }

    [Theory]
    [InlineData("flipped-byte", "bad-signature")]
    [InlineData("wrong-kid", "unknown-key")]
    [InlineData("revoked-key", "revoked-key")]
    [InlineData("expired", "expired")]
    [InlineData("asset-hash", "asset-mismatch")]
    public async Task A_bad_manifest_or_asset_is_rejected_with_its_reason_and_the_last_good_version_stays(string fault, string reason)
    {
        Serve(1, heroSeed: 1);
        Assign(1);
        await WaitRunning(1);

        var now = DateTimeOffset.UtcNow;
        var v2 = Build(2, heroSeed: 2, now);
        switch (fault)
        {
            case "flipped-byte":
                var signed = ManifestSigner.Sign(v2, _ring);
                var payload = Convert.FromBase64String(signed.Envelope.Payload);
                payload[payload.Length / 2] ^= 0x01;
                _cloud.Manifests[$"{Campaign}/2"] = (signed.Envelope with { Payload = Convert.ToBase64String(payload) }).ToJsonBytes();
                break;
            case "wrong-kid":
                using (var stranger = new EnvelopeSigner("k-stranger", ECDsa.Create(ECCurve.NamedCurves.nistP256)))
                    _cloud.Manifests[$"{Campaign}/2"] = ManifestSigner.Sign(v2, stranger).ToJsonBytes();
                break;
            case "revoked-key":
                using (var old = new EnvelopeSigner("k-old", ECDsa.Create(ECCurve.NamedCurves.nistP256)))
                {
                    _trust = _trust.WithKey("k-old", old.PublicKeySpki()).WithRevoked("k-old");
                    _cloud.Manifests[$"{Campaign}/2"] = ManifestSigner.Sign(v2, old).ToJsonBytes();
                }
                break;
            case "expired":
                _cloud.Manifests[$"{Campaign}/2"] = ManifestSigner.Sign(v2 with { IssuedAt = now.AddDays(-40), ExpiresAt = now.AddDays(-10) }, _ring).ToJsonBytes();
                break;
            case "asset-hash":
                _cloud.Manifests[$"{Campaign}/2"] = ManifestSigner.Sign(v2, _ring).ToJsonBytes();
                var hero = v2.Assets.Single(a => a.Name == "hero");
                var wrong = (byte[])_cloud.Assets[hero.Sha256].Clone();
                wrong[10] ^= 0xff;
                _cloud.Assets[hero.Sha256] = wrong;
                break;
        }
        Assign(2);

        var status = await Eventually.Until(Status, s => s.Rejections.Any(r => r.Version == 2), TimeSpan.FromSeconds(20), $"{fault} rejected");
        var rejection = status.Rejections.Single(r => r.Version == 2);
        Assert.Equal(reason, rejection.Reason);
        Assert.False(string.IsNullOrWhiteSpace(rejection.Message));
        Assert.Equal(1, status.Running.Single().Version);
        Assert.Equal(1, (await _actor.Ask<ActiveCampaign>(new GetActiveCampaign(Campaign), TimeSpan.FromSeconds(3))).Version);
        if (fault == "asset-hash")
            Assert.False(File.Exists(Directory.EnumerateFiles(_tmp.Sub("edge"), v2.Assets.Single(a => a.Name == "hero").Sha256, SearchOption.AllDirectories).FirstOrDefault() ?? "none"));
    }

    [Theory]
    [InlineData("unsigned")]
    [InlineData("unknown-key")]
    [InlineData("replayed-revision")]
    [InlineData("revision-jump")]
    public async Task An_assignment_table_the_trust_set_does_not_vouch_for_changes_nothing(string fault)
    {
        Serve(1, heroSeed: 1);
        Assign(1);
        await WaitRunning(1);
        Serve(2, heroSeed: 2);

        var table = Table(2, revision: _revision + 1);
        switch (fault)
        {
            case "unsigned":
                _actor.Tell(table);
                break;
            case "unknown-key":
                using (var stranger = new EnvelopeSigner("k-stranger", ECDsa.Create(ECCurve.NamedCurves.nistP256)))
                    _actor.Tell(SignedAssignments.Sign(table, stranger));
                break;
            case "replayed-revision":
                _actor.Tell(Signed(table with { Revision = _revision - 1 }));
                break;
            case "revision-jump":
                _actor.Tell(Signed(table with { Revision = _revision + SignedAssignments.MaxRevisionJump + 1 }));
                break;
        }

        var status = await Status();
        Assert.StartsWith("assignment table refused", status.LastError);
        Assert.Equal(1, status.Running.Single().Version);
        Assert.Empty(status.Pending);
        // The refusal left the device able to follow the next good table.
        Assign(2);
        await WaitRunning(2);
    }

    [Fact]
    public async Task A_version_the_signed_table_withdraws_leaves_force_and_is_not_fetched_again()
    {
        Serve(1, heroSeed: 1);
        Assign(1);
        await WaitRunning(1);
        Serve(2, heroSeed: 2);
        Assign(2);
        await WaitRunning(2);

        // A row still naming v2 beside the withdrawal (a stale directive): the withdrawal wins.
        _actor.Tell(Signed(Table(2, ++_revision) with { Withdrawn = [new WithdrawnVersion(Campaign, 2)] }));

        Assert.IsType<NoActiveCampaign>(await _actor.Ask<object>(new GetActiveCampaign(Campaign), TimeSpan.FromSeconds(3)));
        var status = await Status();
        Assert.Empty(status.Running);
        Assert.Empty(status.Pending);
    }

    [Fact]
    public async Task A_new_version_goes_into_force_only_once_its_template_is_prepared_and_the_old_one_renders_meanwhile()
    {
        var gate = new TaskCompletionSource<string?>(TaskCreationOptions.RunContinuationsAsynchronously);
        var prepared = new List<string>();
        await RestartWithPrepare(folder =>
        {
            lock (prepared) prepared.Add(folder);
            return folder.EndsWith("v2", StringComparison.Ordinal) ? gate.Task : Task.FromResult<string?>(null);
        });
        Serve(1, heroSeed: 1);
        Assign(1);
        await WaitRunning(1);
        Serve(2, heroSeed: 2);
        Assign(2);

        var preparing = await Eventually.Until(Status, s => s.Pending.Any(p => p.Contains("preparing", StringComparison.Ordinal)), TimeSpan.FromSeconds(20), "v2 preparing");
        Assert.Equal(1, preparing.Running.Single().Version);
        Assert.Equal(1, (await _actor.Ask<ActiveCampaign>(new GetActiveCampaign(Campaign), TimeSpan.FromSeconds(3))).Version);

        gate.SetResult(null);
        await WaitRunning(2);
        lock (prepared) Assert.Equal(["v1", "v2"], prepared.Select(Path.GetFileName));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_version_withdrawn_while_its_template_is_prepared_never_goes_into_force_and_a_failed_preparation_does_not_block(bool withdraw)
    {
        var gate = new TaskCompletionSource<string?>(TaskCreationOptions.RunContinuationsAsynchronously);
        await RestartWithPrepare(_ => gate.Task);
        Serve(1, heroSeed: 1);
        Assign(1);
        await Eventually.Until(Status, s => s.Pending.Count == 1, TimeSpan.FromSeconds(20), "v1 preparing");

        if (withdraw) _actor.Tell(Signed(Table(1, ++_revision) with { Withdrawn = [new WithdrawnVersion(Campaign, 1)] }));
        gate.SetResult("ffmpeg failed"); // the preparation fails: the first render would prepare it

        if (withdraw)
        {
            var status = await Eventually.Until(Status, s => s.Pending.Count == 0, TimeSpan.FromSeconds(20), "preparation settled");
            Assert.Empty(status.Running);
            Assert.IsType<NoActiveCampaign>(await _actor.Ask<object>(new GetActiveCampaign(Campaign), TimeSpan.FromSeconds(3)));
        }
        else await WaitRunning(1);
    }

    private async Task RestartWithPrepare(Func<string, Task<string?>> prepare)
    {
        await _actor.GracefulStop(TimeSpan.FromSeconds(5));
        _actor = StartActor(prepare: prepare);
    }

    [Fact]
    public async Task A_version_in_force_is_announced_again_once_the_model_it_pins_is_verified_and_a_stored_model_is_used_after_a_restart_offline()
    {
        var bytes = await File.ReadAllBytesAsync(Fleet.Shared.Personalisation.Embedding.MiniLmOptions.Default.ModelPath);
        _cloud.Assets[Sha(bytes)] = bytes;
        var pinned = new ArtifactRef("minilm-pinned", "2.0.0", Sha(bytes));
        var seen = Inbox.Create(_system);
        _system.ActorOf(Props.Create(() => new PipelineStandIn(seen.Receiver, false)));
        Assert.Equal(PipelineStandIn.Listening, await seen.ReceiveAsync(TimeSpan.FromSeconds(5)));
        Serve(1, heroSeed: 1, model: pinned);
        Assign(1);

        // In force first, rendering with the built-in model while the pinned one downloads and is test-run; the pipeline
        // warms up with the pinned model before renders switch to it, then the version is announced with it.
        Assert.Equal(new VersionInForce(Campaign, 1), await seen.ReceiveAsync(TimeSpan.FromSeconds(20)));
        Assert.Equal(pinned.Id, ((WarmWithModel)await seen.ReceiveAsync(TimeSpan.FromSeconds(60))).Model.Id);
        Assert.Equal(new VersionInForce(Campaign, 1), await seen.ReceiveAsync(TimeSpan.FromSeconds(20)));
        Assert.Equal(pinned.Id, (await _actor.Ask<ActiveCampaign>(new GetActiveCampaign(Campaign), TimeSpan.FromSeconds(3))).Model.Id);

        // Restarted with no cloud: the pipeline learns of the new actor and hears the version kept from the last run; the
        // stored model is verified again and used, not the built-in one. This process has it loaded already, so its check
        // may end before the pipeline's handshake does: then the switch is announced first and the handshake's
        // announcement carries the pinned model (the pipeline warms a version it hears of); otherwise the model is warmed
        // up with before the switch, as above. Either way the pipeline's last word is the version with the pinned model.
        await _actor.GracefulStop(TimeSpan.FromSeconds(3));
        _cloud.Down = true;
        _actor = StartActor(sendCredentials: false);
        var heard = new List<object>();
        while (heard.OfType<VersionInForce>().Count() < 2) heard.Add(await seen.ReceiveAsync(TimeSpan.FromSeconds(60)));
        Assert.All(heard.OfType<WarmWithModel>(), w => Assert.Equal(pinned.Id, w.Model.Id));
        Assert.Equal(pinned.Id, (await _actor.Ask<ActiveCampaign>(new GetActiveCampaign(Campaign), TimeSpan.FromSeconds(3))).Model.Id);
    }

    [Fact]
    public async Task A_verified_model_is_warmed_through_the_render_pipeline_before_renders_switch_to_it()
    {
        var directed = await ServeDirectedModel();
        Serve(1, heroSeed: 1);
        Assign(1);
        await WaitRunning(1);
        var asked = Inbox.Create(_system);
        var pipeline = _system.ActorOf(Props.Create(() => new PipelineStandIn(asked.Receiver, true)));
        Assert.Equal(PipelineStandIn.Listening, await asked.ReceiveAsync(TimeSpan.FromSeconds(5)));

        _actor.Tell(Signed(Table(1, ++_revision) with { Overlays = [directed] }));
        WarmWithModel? warm = null;
        while (warm is null) warm = await asked.ReceiveAsync(TimeSpan.FromSeconds(60)) as WarmWithModel; // after v1's announcement
        Assert.Equal((Campaign, directed.ArtifactId), (warm.CampaignId, warm.Model.Id));
        // Verified, but renders keep the model they use until the pipeline says it is ready.
        await Task.Delay(TimeSpan.FromMilliseconds(500));
        Assert.Equal(DefaultModel.Ref.Id, (await _actor.Ask<ActiveCampaign>(new GetActiveCampaign(Campaign), TimeSpan.FromSeconds(3))).Model.Id);

        pipeline.Tell(PipelineStandIn.Answer);
        await ModelInUse(directed.ArtifactId);
    }

    /// <summary>
    /// Stands in for the render pipeline's side of the start-up handshake and warm-ups: reports each announcement and
    /// warm-up request, and answers warm-ups at once or, with <c>hold</c>, only when told <see cref="Answer"/>.
    /// </summary>
    private sealed class PipelineStandIn : ReceiveActor
    {
        public const string Answer = "answer", Listening = "listening";

        private readonly IActorRef _report;

        public PipelineStandIn(IActorRef report, bool hold)
        {
            _report = report;
            var waiting = new List<IActorRef>();
            Receive<ManifestsStarted>(m => m.Manifests.Tell(new RenderPipelineListening(Self)));
            Receive<VersionInForce>(v => report.Tell(v));
            Receive<WarmWithModel>(w =>
            {
                report.Tell(w);
                if (hold) waiting.Add(Sender);
                else Sender.Tell(new ModelWarmed(null));
            });
            Receive<string>(_ => waiting.ForEach(a => a.Tell(new ModelWarmed(null))));
        }

        protected override void PreStart()
        {
            Context.System.EventStream.Subscribe(Self, typeof(VersionInForce));
            Context.System.EventStream.Subscribe(Self, typeof(ManifestsStarted));
            Context.System.EventStream.Publish(new RenderPipelineListening(Self));
            _report.Tell(Listening);
        }
    }

    [Fact]
    public async Task A_rollout_model_directed_to_the_device_is_kept_after_a_restart_offline_and_a_tampered_kept_table_is_not()
    {
        var directed = await ServeDirectedModel();
        Serve(1, heroSeed: 1);
        _actor.Tell(Signed(Table(1, ++_revision) with { Overlays = [directed] }));
        await ModelInUse(directed.ArtifactId);

        // Restarted with no cloud: the kept table is verified again and the stored rollout model is used.
        await _actor.GracefulStop(TimeSpan.FromSeconds(3));
        _cloud.Down = true;
        _actor = StartActor(sendCredentials: false);
        await ModelInUse(directed.ArtifactId);

        // A kept table whose signature no longer covers its directives is not obeyed: the manifest's model renders.
        await _actor.GracefulStop(TimeSpan.FromSeconds(3));
        var kept = Path.Combine(_tmp.Sub("edge"), "manifests", "assignments.json");
        await File.WriteAllTextAsync(kept, (await File.ReadAllTextAsync(kept)).Replace("\"signature\":\"", "\"signature\":\"AAAA", StringComparison.Ordinal));
        _actor = StartActor(sendCredentials: false);
        var status = await WaitRunning(1);
        Assert.StartsWith("kept assignment table refused: ", status.LastError);
        Assert.Equal(DefaultModel.Ref.Id, (await _actor.Ask<ActiveCampaign>(new GetActiveCampaign(Campaign), TimeSpan.FromSeconds(3))).Model.Id);
    }

    /// <summary>The real model's bytes on the fake cloud, as a rollout's model directed to this device (another version of the manifest's model).</summary>
    private async Task<ArtifactOverlay> ServeDirectedModel()
    {
        var bytes = await File.ReadAllBytesAsync(Fleet.Shared.Personalisation.Embedding.MiniLmOptions.Default.ModelPath);
        _cloud.Assets[Sha(bytes)] = bytes;
        return new ArtifactOverlay("r1", Fleet.Shared.Rollouts.ArtifactKind.Model, DefaultModel.Ref.Name, "2.0.0", Sha(bytes), ["kiosk-t"],
            new Dictionary<string, string>(), null);
    }

    private Task<ActiveCampaign> ModelInUse(string id) =>
        Eventually.Until(() => _actor.Ask<ActiveCampaign>(new GetActiveCampaign(Campaign), TimeSpan.FromSeconds(3)), a => a.Model.Id == id,
            TimeSpan.FromSeconds(60), $"model {id} in use");

    [Fact]
    public async Task A_download_cut_half_way_with_the_cloud_gone_resumes_later_and_never_runs_a_half_written_asset()
    {
        Serve(1, heroSeed: 1);
        Assign(1);
        await WaitRunning(1);
        var v2 = Serve(2, heroSeed: 2, heroBytes: 2_000_000);
        var hero = v2.Assets.Single(a => a.Name == "hero");
        _cloud.CutNext = hero.Sha256;
        Assign(2);

        var failing = await Eventually.Until(Status, s => s.LastError is not null, TimeSpan.FromSeconds(20), "sync failure reported");
        Assert.False(failing.Online);
        Assert.Equal(1, failing.Running.Single().Version);
        var store = Path.Combine(_tmp.Sub("edge"), "manifests", "store");
        Assert.Empty(Directory.EnumerateFiles(store, hero.Sha256, SearchOption.AllDirectories));
        Assert.Equal(1, (await _actor.Ask<ActiveCampaign>(new GetActiveCampaign(Campaign), TimeSpan.FromSeconds(3))).Version);

        var servedBefore = _cloud.BytesServed;
        _cloud.Down = false;
        await WaitRunning(2, TimeSpan.FromSeconds(30));
        // The cut is an abort (TCP reset), so bytes still in flight are lost: the device resumes from what it had
        // written, somewhere after the start and no later than the half the cloud sent.
        var resumedFrom = _cloud.Ranges.Select(r => long.Parse(r["bytes=".Length..].TrimEnd('-'))).Single();
        Assert.InRange(resumedFrom, 1, hero.Size / 2);
        Assert.True(_cloud.BytesServed - servedBefore <= hero.Size - resumedFrom, $"resumed, not restarted: {_cloud.BytesServed - servedBefore} bytes after the cut at {resumedFrom}");
        Assert.Equal(hero.Sha256, Sha(File.ReadAllBytes((await _actor.Ask<ActiveCampaign>(new GetActiveCampaign(Campaign), TimeSpan.FromSeconds(3))).AssetPaths["hero"])));
    }

    [Fact]
    public async Task The_cache_keeps_the_last_good_version_offline_and_old_assets_are_collected()
    {
        var v1 = Serve(1, heroSeed: 1);
        Assign(1);
        await WaitRunning(1);
        Serve(2, heroSeed: 2);
        Assign(2);
        await WaitRunning(2);
        var v1Hero = v1.Assets.Single(a => a.Name == "hero").Sha256;
        var store = Path.Combine(_tmp.Sub("edge"), "manifests", "store");
        Assert.Single(Directory.EnumerateFiles(store, v1Hero, SearchOption.AllDirectories)); // v1 is the kept previous version
        Serve(3, heroSeed: 3);
        Assign(3);
        await WaitRunning(3);
        Assert.Empty(Directory.EnumerateFiles(store, v1Hero, SearchOption.AllDirectories));

        // A restart with the cloud unreachable and no credentials: the verified cache is in force.
        await _actor.GracefulStop(TimeSpan.FromSeconds(3));
        _cloud.Down = true;
        _actor = StartActor(sendCredentials: false);
        var active = await _actor.Ask<ActiveCampaign>(new GetActiveCampaign(Campaign), TimeSpan.FromSeconds(3));
        Assert.Equal(3, active.Version);
        Assert.True(File.Exists(active.AssetPaths["hero"]));
    }

    private IActorRef StartActor(bool sendCredentials = true, Func<string, Task<string?>>? prepare = null)
    {
        var actor = _system.ActorOf(ManifestsActor.Props("kiosk-t", new Dictionary<string, string> { ["store"] = "berlin" }, _tmp.Sub("edge"), prepare: prepare));
        if (sendCredentials) actor.Tell(new DeviceCredentials("device-secret", _cloud.Url));
        return actor;
    }

    private void Assign(int version) => _actor.Tell(Signed(Table(version, ++_revision)));

    private AssignmentTable Table(int version, long revision) => new(revision,
        [new Assignment(Campaign, version, new Dictionary<string, string>())], Encoding.UTF8.GetString(_trust.ToJsonBytes()));

    private AssignmentTable Signed(AssignmentTable table)
    {
        using var signer = _ring.ActiveSigner();
        return SignedAssignments.Sign(table, signer);
    }

    private Task<ManifestsProtocol.Status> Status() => _actor.Ask<ManifestsProtocol.Status>(GetStatus.Instance, TimeSpan.FromSeconds(3));

    private Task<ManifestsProtocol.Status> WaitRunning(int version, TimeSpan? timeout = null) =>
        Eventually.Until(Status, s => s.Running.Any(r => r.Version == version), timeout ?? TimeSpan.FromSeconds(20), $"v{version} running");

    /// <summary>Puts a signed manifest and its assets on the fake cloud.</summary>
    private Manifest Serve(int version, int heroSeed, int heroBytes = 200_000, ArtifactRef? model = null)
    {
        var m = Build(version, heroSeed, DateTimeOffset.UtcNow, heroBytes) with { Model = model ?? DefaultModel.Ref };
        _cloud.Manifests[$"{Campaign}/{version}"] = ManifestSigner.Sign(m, _ring).ToJsonBytes();
        return m;
    }

    private Manifest Build(int version, int heroSeed, DateTimeOffset now, int heroBytes = 200_000)
    {
        var hero = new byte[heroBytes];
        new Random(heroSeed).NextBytes(hero);
        var still = Encoding.UTF8.GetBytes("static creative");
        var assets = new[] { ("hero", hero), ("static", still), ("template.json", _template) }
            .Select(x => { _cloud.Assets[Sha(x.Item2)] = x.Item2; return new ManifestAsset(x.Item1, Sha(x.Item2), x.Item2.Length, $"/api/v1/assets/{Sha(x.Item2)}"); })
            .ToList();
        return new Manifest
        {
            CampaignId = Campaign,
            Version = version,
            Template = new ArtifactRef("promo-template", "1.0.0", Sha(_template)),
            Model = DefaultModel.Ref,
            Copy = new CopyPool([new CopyVariant("h1", "Hello")], [new CopyVariant("c1", "Buy")]),
            DefaultCopy = new DefaultCopy("Hello", "Buy"),
            StaticCreative = "static",
            Assets = assets,
            IssuedAt = now,
            ExpiresAt = now.AddDays(30),
        };
    }

    private static string Sha(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));
}
