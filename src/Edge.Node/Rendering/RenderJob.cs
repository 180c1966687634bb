using System.Diagnostics;
using System.Text.Json;
using Akka.Actor;
using Fleet.Edge.KillSwitch;
using Fleet.Edge.Personalisation;
using Fleet.Edge.Speech;
using Fleet.Shared.KillSwitch;
using Fleet.Shared.Rendering;
using Fleet.Shared.Renders;
using Fleet.Shared.Serialization;
using static Fleet.Edge.Rendering.RenderProtocol;

namespace Fleet.Edge.Rendering;

/// <summary>The parts a render job talks to; owned by the coordinator.</summary>
public sealed record RenderServices(IActorRef Policy, IActorRef Personalise, IActorRef Speech, IActorRef Composite,
    RenderCache Cache, PreparedTemplates Prepared, RenderSettings Settings, Privacy.UserIdHasher Hasher, CloudRenderClient Cloud, CloudBases Bases,
    Store.AssetGuard Guard, IActorRef Audit);

/// <summary>
/// One render, start to finish, as a short-lived actor: policy gate, copy choice, cache, speech, composite. A small state
/// machine: it runs the stage <see cref="RenderChain.Next"/> names and feeds back what the stage produced, until the chain
/// says how the render ends. The whole job runs within a deadline and stops at once when the kill-switch covers it.
/// </summary>
public sealed class RenderJob : ReceiveActor
{
    private readonly CancellationTokenSource _cts = new();
    private readonly TaskCompletionSource<object> _claim = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<string?> _leaderDone = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile KillDirective? _killedBy;

    /// <param name="pressure">The device's resource pressure when the render was asked for (null: none).</param>
    public RenderJob(string id, RenderAd request, IActorRef replyTo, RenderServices services, string? pressure)
    {
        var self = Self;
        var coordinator = Context.Parent;
        Run(id, request, services, self, coordinator, pressure).PipeTo(self);

        Receive<Killed>(k => { _killedBy = k.Directive; _cts.Cancel(); });
        Receive<Lead>(l => _claim.TrySetResult(l));
        Receive<Follow>(f => _claim.TrySetResult(f));
        Receive<KeyDone>(d => _leaderDone.TrySetResult(d.CachedPath));
        Receive<RenderOutcome>(o =>
        {
            // Telemetry sees every render (ids and timings only; the user id only as the device's salted hash).
            Context.System.EventStream.Publish(RenderTelemetry.From(o, request, services.Hasher));
            Telemetry.EdgeMetrics.Rendered(o.TotalMs, o.Path, o.Encoder, o.StageMs);
            replyTo.Tell(o);
            // After the reply, and only a Tell: the audit actor appends (and syncs) the entry off the render's path.
            services.Audit.Tell(Audit.RenderAudit.Entry(o, request, services.Hasher));
            Context.Stop(Self);
        });
    }

    public static Props Props(string id, RenderAd request, IActorRef replyTo, RenderServices services, string? pressure = null) =>
        Akka.Actor.Props.Create(() => new RenderJob(id, request, replyTo, services, pressure));

    protected override void PostStop() => _cts.Dispose();

    private async Task<RenderOutcome> Run(string id, RenderAd req, RenderServices s, IActorRef self, IActorRef coordinator, string? pressure)
    {
        var total = Stopwatch.StartNew();
        var timings = new StageTimings();
        var campaign = req.Campaign;
        var artifacts = req.Artifacts(s.Settings);
        var workDir = Directory.CreateDirectory(Path.Combine(s.Settings.WorkDir, id)).FullName;
        var state = new RenderChain.State(new RenderChain.Facts(req.Expected is not null, campaign.Spec.StaticCreative, req.Holdout,
            req.PreviewHeadline is not null, req.Mode, req.Height ?? campaign.Template.Height, campaign.Template.Height, s.Settings.MaxLocalHeight,
            pressure, req.UseCache, s.Settings.Deadline));

        // What the stages made, for the stages after them; the chain decides only on what their outcomes say.
        var spec = campaign.Spec;
        CopyChoice? choice = null;
        string? localeFallback = null;
        var grade = GradePresets.Neutral;
        string? cloudLine = null;
        IReadOnlyDictionary<string, string>? sendable = null;
        PreparedTemplate? prepared = null;
        string? key = null;
        string? claimedKey = null;

        RenderStep Decide(StageOutcome outcome)
        {
            (state, var step) = RenderChain.Next(state, outcome);
            return step;
        }

        RenderOutcome Outcome(string path, bool ok, bool cacheHit, string encoder, string renderPath, double audio, string? error = null) => new(
            id, campaign.Spec.Id, path, ok, choice?.Headline ?? campaign.Spec.DefaultCopy.Headline, choice?.Cta ?? campaign.Spec.DefaultCopy.Cta,
            choice?.HeadlineId ?? "default-headline", choice?.CtaId ?? "default-cta", choice?.Fields ?? new Dictionary<string, string>(),
            timings.Ms, total.Elapsed.TotalMilliseconds, cacheHit, encoder, renderPath, state.Fallbacks.ToList(), choice?.SafetyBlocks ?? Array.Empty<string>(),
            audio, artifacts, error, localeFallback, grade);

        // Carries out a step that ends the render.
        RenderOutcome Finish(RenderStep step)
        {
            switch (step)
            {
                case RenderStep.StaticCreative shown:
                    try
                    {
                        CopyAtomically(campaign.StaticCreativePath, req.OutputPath);
                        return Outcome(req.OutputPath, true, false, "none", shown.RenderPath, 0);
                    }
                    catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                    {
                        return Outcome(req.OutputPath, false, false, "none", "none", 0, $"no ad could be written to {req.OutputPath}: {e.Message}");
                    }
                case RenderStep.Fail failed:
                    return Outcome(req.OutputPath, false, false, "none", "none", failed.AudioSeconds, failed.Error);
                case RenderStep.FromCloud cloud:
                    return Outcome(req.OutputPath, true, false, cloud.Encoder, "cloud", 0);
                case RenderStep.FromCache cache:
                    CopyAtomically(cache.CachedPath, req.OutputPath);
                    return Outcome(req.OutputPath, true, true, "cache", "cache", 0);
                case RenderStep.Deliver { Composed: var c } delivered:
                    MoveAtomically(c.OutputPath, req.OutputPath);
                    Release(c.Path == EncoderChain.StaticCreative ? null : s.Cache.Put(Key(), req.OutputPath, artifacts));
                    return Outcome(req.OutputPath, true, false, c.Encoder, c.Path, delivered.AudioSeconds);
                default:
                    throw new InvalidOperationException($"{step} does not end a render");
            }
        }

        try
        {
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(_cts.Token);
            deadline.CancelAfter(s.Settings.Deadline);
            var ct = deadline.Token;

            // Work in the cloud gets its own wait; the render's deadline grows by that wait while it lasts.
            async Task<T> InCloud<T>(string stage, Func<CancellationToken, Task<T>> work)
            {
                deadline.CancelAfter(s.Settings.CloudWait + s.Settings.Deadline);
                using var wait = CancellationTokenSource.CreateLinkedTokenSource(ct);
                wait.CancelAfter(s.Settings.CloudWait);
                var result = await timings.Time(stage, () => work(wait.Token));
                ct.ThrowIfCancellationRequested();
                deadline.CancelAfter(s.Settings.Deadline);
                return result;
            }

            // A stored asset that no longer matches its manifest's sha256 is never used: the guard quarantines it and the
            // device fetches it again.
            async Task<StageOutcome> Verify() => new StageOutcome.Verified(await timings.Time("verify",
                () => s.Guard.UnusableAsync(req.Expected!, $"{campaign.Spec.Id} v{req.CampaignVersion}").AsTask()));

            // The kill-switch first: a device that just (re)joined syncs the fleet's policy before anything renders.
            async Task<StageOutcome> Policy()
            {
                var gate = await timings.Time("policy", () =>
                    s.Policy.Ask<PolicyMessages.Verdict>(new PolicyMessages.Check(artifacts, s.Settings.PolicySyncWait), s.Settings.Deadline, ct));
                return gate.BlockedBy is { Scope.Kind: KillKind.Model } model
                    ? new StageOutcome.PolicyChecked(ModelKilledBy: model.Id)
                    : new StageOutcome.PolicyChecked(BlockedBy: gate.BlockedBy?.Id);
            }

            // Copy: the model (or a preview, or default copy when the model is killed), always through the safety filter.
            // The context's locale picks the copy pool, voice and blocklist; without a pool for it the default one says so.
            async Task<StageOutcome> Personalise()
            {
                (spec, var pool, localeFallback) = Shared.Campaigns.CampaignLocales.Resolve(campaign.Spec, req.Context.Locale);
                object ask = req.PreviewHeadline is not null || req.PreviewCta is not null || state.ModelKilledBy is not null
                    ? new PersonaliseProtocol.PreviewCopy(spec, req.PreviewHeadline ?? spec.DefaultCopy.Headline, req.PreviewCta ?? spec.DefaultCopy.Cta, req.Context)
                    : new PersonaliseProtocol.ChooseCopy(spec, RenderAd.CopyKey(spec.Id, req.CampaignVersion, artifacts.Model, pool), req.Context, req.Model?.Directory, req.Bucket,
                        campaign.Template.Grades);
                choice = await timings.Time("personalise", () => s.Personalise.Ask<CopyChoice>(ask, s.Settings.Deadline, ct));
                grade = GradePresets.AllowedOr(choice.Grade, campaign.Template.Grades);
                // A delegated render sends only the slot values the template draws and the voice line, and none that is personal.
                cloudLine = campaign.Template.Voice is { } vl ? TextSlots.Fill(vl.Line, choice.Fields) : null;
                sendable = PersonalFields.ForCloud(campaign.Template, choice.Fields, cloudLine);
                return new StageOutcome.Personalised(choice.Fallbacks, spec.Budget.AllowCloud, sendable is not null);
            }

            async Task<StageOutcome> Delegate()
            {
                var body = new CloudRenderClient.JobBody(spec.Id,
                    int.TryParse(req.CampaignVersion, out var synced) ? synced : null, state.Facts.Height, sendable!, cloudLine);
                var delegated = await InCloud("delegate", wait => s.Cloud.RenderAsync(body, req.OutputPath, wait));
                return new StageOutcome.Delegated(delegated.Ok, delegated.Encoder, delegated.Reason);
            }

            // Hybrid: the base the cloud made at the asked height, for this device to draw the ad on.
            async Task<StageOutcome> Base()
            {
                (prepared, var why) = await InCloud("base", wait => s.Bases.GetAsync(spec.Id, req.CampaignVersion, state.Facts.Height, wait));
                return new StageOutcome.BaseFetched(prepared is not null, why);
            }

            async Task<StageOutcome> Prepare()
            {
                try { prepared = await timings.Time("prepare", () => s.Prepared.GetAsync(campaign)); }
                catch (Shared.Cli.FleetException e) { return new StageOutcome.PrepareFailed(Reason(e)); }
                return new StageOutcome.Prepared();
            }

            // The cache, keyed by everything that shapes the output; renders of one key in flight are coalesced.
            async Task<StageOutcome> Cache()
            {
                if (s.Cache.TryGet(Key()) is { } hit) return new StageOutcome.CacheChecked(hit);
                if (await coordinator.Ask<object>(new Claim(Key(), self), s.Settings.Deadline, ct) is Follow)
                    return new StageOutcome.CacheChecked(await _leaderDone.Task.WaitAsync(ct));
                claimedKey = Key();
                return new StageOutcome.CacheChecked();
            }

            // Speech and composite as the cloud worker runs them too; the composite writes a private file, moved into place
            // only if this job is still wanted.
            async Task<StageOutcome> Compose()
            {
                var template = prepared!.Template;
                var line = VoiceLine();
                Func<Task<SpeechAndComposite.Voice>>? speak = line is null ? null : async () =>
                    await s.Speech.Ask<SpeechProtocol.SpeechResult>(new SpeechProtocol.Synthesise(line, spec.Voice, (double)template.Voice!.MaxFrames / template.Fps),
                        s.Settings.Deadline, ct) switch
                    {
                        SpeechProtocol.SpeechReady ready => new SpeechAndComposite.Voice(ready.WavPath, ready.DurationSeconds),
                        SpeechProtocol.CaptionsOnly captions => SpeechAndComposite.Voice.CaptionsOnly(captions.Reason),
                        var other => throw new InvalidOperationException($"the speech actor answered {other.GetType().Name}"),
                    };
                var temp = Path.Combine(workDir, "ad.mp4");
                var done = await SpeechAndComposite.RunAsync(new RenderRequest { Fields = choice!.Fields, Grade = grade }, speak,
                    request => s.Composite.Ask<object>(new CompositeProtocol.Compose(prepared, request, temp, campaign.StaticCreativePath), s.Settings.Deadline, ct),
                    timings, ct);
                return new StageOutcome.Composited(done.Composed, done.AudioSeconds, done.Fallback);
            }

            Task<StageOutcome> Execute(RenderStage stage) => stage switch
            {
                RenderStage.Verify => Verify(),
                RenderStage.Policy => Policy(),
                RenderStage.Personalise => Personalise(),
                RenderStage.Delegate => Delegate(),
                RenderStage.Base => Base(),
                RenderStage.Prepare => Prepare(),
                RenderStage.Cache => Cache(),
                RenderStage.SpeechAndComposite => Compose(),
                _ => throw new ArgumentOutOfRangeException(nameof(stage), stage, "no such render stage"),
            };

            var step = Decide(new StageOutcome.Started());
            while (step is RenderStep.Run run) step = Decide(await Execute(run.Stage));
            return Finish(step);
        }
        catch (OperationCanceledException) when (_killedBy is { } k)
        {
            return Finish(Decide(new StageOutcome.Killed(k.Id)));
        }
        catch (Exception e) when (e is OperationCanceledException or AskTimeoutException or TimeoutException)
        {
            return Finish(Decide(new StageOutcome.TimedOut()));
        }
        catch (Exception e)
        {
            // Never a broken ad: whatever went wrong, the static creative plays and the reason is recorded.
            return Finish(Decide(new StageOutcome.Crashed(e.GetType().Name, Reason(e))));
        }
        finally
        {
            if (claimedKey is not null) Release(null);
            try { Directory.Delete(workDir, recursive: true); } catch (IOException) { }
        }

        string? VoiceLine() => prepared!.Template.Voice is { } v ? TextSlots.Fill(v.Line, choice!.Fields) : null;

        string Key() => key ??= RenderCache.KeyOf(prepared!.HeroSha256, prepared.Directory,
            JsonSerializer.Serialize(choice!.Fields.OrderBy(f => f.Key, StringComparer.Ordinal), FleetJson.Options),
            grade, spec.Voice.Name, spec.Voice.Rate.ToString(), VoiceLine() ?? "", artifacts.Model ?? "", artifacts.Template ?? "");

        void Release(string? cachedPath)
        {
            if (claimedKey is null) return;
            coordinator.Tell(new KeyDone(claimedKey, cachedPath));
            claimedKey = null;
        }
    }

    private static string Reason(Exception e) => e.Message.Split('\n')[0].Trim();

    private static void CopyAtomically(string source, string destination)
    {
        var tmp = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(destination))!, "." + Path.GetFileName(destination) + ".part");
        File.Copy(source, tmp, overwrite: true);
        // A copy keeps the source's modification time; the player's folder keeps the newest renders by it, so a copy of
        // an old cached render would be pruned the moment it was answered.
        File.SetLastWriteTimeUtc(tmp, DateTime.UtcNow);
        File.Move(tmp, destination, overwrite: true);
    }

    private static void MoveAtomically(string source, string destination)
    {
        try { File.Move(source, destination, overwrite: true); }
        catch (IOException) { CopyAtomically(source, destination); } // another file system
    }
}
