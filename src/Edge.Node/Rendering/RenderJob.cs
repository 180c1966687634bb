using System.Diagnostics;
using System.Text.Json;
using Akka.Actor;
using Fleet.Edge.KillSwitch;
using Fleet.Edge.Personalisation;
using Fleet.Edge.Speech;
using Fleet.Shared.KillSwitch;
using Fleet.Shared.Rendering;
using Fleet.Shared.RenderJobs;
using Fleet.Shared.Serialization;
using static Fleet.Edge.Rendering.RenderProtocol;

namespace Fleet.Edge.Rendering;

/// <summary>The parts a render job talks to; owned by the coordinator.</summary>
public sealed record RenderServices(IActorRef Policy, IActorRef Personalise, IActorRef Speech, IActorRef Composite,
    RenderCache Cache, PreparedTemplates Prepared, RenderSettings Settings, Privacy.UserIdHasher Hasher, CloudRenderClient Cloud, CloudBases Bases,
    Store.AssetGuard Guard, IActorRef Audit);

/// <summary>
/// One render, start to finish, as a short-lived actor: policy gate, copy choice, cache, speech, composite. Each stage
/// degrades instead of failing the ad and records why; the whole job runs within a deadline and stops at once when the
/// kill-switch covers it.
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
        var stages = new System.Collections.Concurrent.ConcurrentDictionary<string, double>(); // speech and composite overlap
        var fallbacks = new List<string>();
        var campaign = req.Campaign;
        var artifacts = req.Artifacts(s.Settings);
        var workDir = Directory.CreateDirectory(Path.Combine(s.Settings.WorkDir, id)).FullName;
        string? claimedKey = null;
        CopyChoice? choice = null;
        string? localeFallback = null;
        var grade = GradePresets.Neutral;
        IReadOnlyList<string> unusable = [];

        RenderOutcome Outcome(string path, bool ok, bool cacheHit, string encoder, string renderPath, double audio, string? error = null) => new(
            id, campaign.Spec.Id, path, ok, choice?.Headline ?? campaign.Spec.DefaultCopy.Headline, choice?.Cta ?? campaign.Spec.DefaultCopy.Cta,
            choice?.HeadlineId ?? "default-headline", choice?.CtaId ?? "default-cta", choice?.Fields ?? new Dictionary<string, string>(),
            stages, total.Elapsed.TotalMilliseconds, cacheHit, encoder, renderPath, fallbacks, choice?.SafetyBlocks ?? Array.Empty<string>(),
            audio, artifacts, error, localeFallback, grade);

        // A fallback names its reason; the holdout arm (null) shows the static creative by design, not as a fallback.
        RenderOutcome StaticCreative(string? reason, string renderPath = EncoderChain.StaticCreative)
        {
            if (reason is not null) fallbacks.Add(reason);
            if (unusable.Contains(campaign.Spec.StaticCreative))
                return Outcome(req.OutputPath, false, false, "none", "none", 0, $"no ad could be written: the static creative failed verification; the device fetches it again");
            try
            {
                CopyAtomically(campaign.StaticCreativePath, req.OutputPath);
                return Outcome(req.OutputPath, true, false, "none", renderPath, 0);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return Outcome(req.OutputPath, false, false, "none", "none", 0, $"no ad could be written to {req.OutputPath}: {e.Message}");
            }
        }

        async Task<T> Stage<T>(string name, Func<Task<T>> work)
        {
            var sw = Stopwatch.StartNew();
            try { return await work(); }
            finally { stages[name] = Math.Round(sw.Elapsed.TotalMilliseconds, 2); }
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
                var result = await Stage(stage, () => work(wait.Token));
                ct.ThrowIfCancellationRequested();
                deadline.CancelAfter(s.Settings.Deadline);
                return result;
            }

            // 0. A stored asset that no longer matches its manifest's sha256 is never used: the guard quarantines it, the
            //    device fetches it again, and meanwhile the static creative plays (unless it is the bad one).
            if (req.Expected is { } expected) unusable = await Stage("verify", () => s.Guard.UnusableAsync(expected, $"{campaign.Spec.Id} v{req.CampaignVersion}").AsTask());

            // 1. The kill-switch first: a device that just (re)joined syncs the fleet's policy before anything renders.
            var gate = await Stage("policy", () =>
                s.Policy.Ask<PolicyMessages.Verdict>(new PolicyMessages.Check(artifacts, s.Settings.PolicySyncWait), s.Settings.Deadline, ct));
            var modelKilled = gate.BlockedBy is { Scope.Kind: KillKind.Model };
            if (gate.BlockedBy is { } kill && !modelKilled) return StaticCreative($"policy:static-creative:{kill.Id}");
            if (unusable.Any(n => n != campaign.Spec.StaticCreative)) return StaticCreative("render:static-creative:asset-quarantined");
            if (req.Holdout) return StaticCreative(null, HoldoutPath);

            // 2. Copy: the model (or a preview, or default copy when the model is killed), always through the safety filter.
            //    The context's locale picks the copy pool, voice and blocklist; without a pool for it the default one says so.
            (var spec, var pool, localeFallback) = Shared.Campaigns.CampaignLocales.Resolve(campaign.Spec, req.Context.Locale);
            object ask = req.PreviewHeadline is not null || req.PreviewCta is not null || modelKilled
                ? new PersonaliseProtocol.PreviewCopy(spec, req.PreviewHeadline ?? spec.DefaultCopy.Headline, req.PreviewCta ?? spec.DefaultCopy.Cta, req.Context)
                : new PersonaliseProtocol.ChooseCopy(spec, RenderAd.CopyKey(spec.Id, req.CampaignVersion, artifacts.Model, pool), req.Context, req.Model?.Directory, req.Bucket,
                    campaign.Template.Grades);
            choice = await Stage("personalise", () => s.Personalise.Ask<CopyChoice>(ask, s.Settings.Deadline, ct));
            grade = GradePresets.AllowedOr(choice.Grade, campaign.Template.Grades);
            if (modelKilled) fallbacks.Add($"policy:default-copy:{gate.BlockedBy!.Id}");
            fallbacks.AddRange(choice.Fallbacks);
            if (choice.Fallbacks.Any(f => f.StartsWith("personalise:default-copy-unsafe", StringComparison.Ordinal)))
                return StaticCreative("render:static-creative:default-copy-unsafe");
            if (req.PreviewHeadline is not null && choice.Fallbacks.Any(f => f.Contains("preview-unsafe", StringComparison.Ordinal)))
                fallbacks.Add("render:preview-replaced-by-default-copy");

            // 3. Delegation: a variant taller than this device renders (or mode cloud, or resource pressure) goes to a cloud render worker; the
            //    device sends only the slot values the template draws and the voice line. Refused, failed or late: the device renders its own
            //    variant. A render that would show personal text (a pii field) never leaves whole: it goes hybrid below.
            var localHeight = campaign.Template.Height;
            var height = req.Height ?? localHeight;
            var cloudAllowed = spec.Budget.AllowCloud;
            var personalHybrid = false;
            if (Delegation.Reason(req.Mode, height, s.Settings.MaxLocalHeight, pressure) is not null)
            {
                var line = campaign.Template.Voice is { } vl ? TextSlots.Fill(vl.Line, choice.Fields) : null;
                var sendable = PersonalFields.ForCloud(campaign.Template, choice.Fields, line);
                if (!cloudAllowed) fallbacks.Add(Delegation.LocalFallback(localHeight, "not-allowed"));
                else if (sendable is null) personalHybrid = true;
                else
                {
                    var body = new CloudRenderClient.JobBody(spec.Id,
                        int.TryParse(req.CampaignVersion, out var synced) ? synced : null, height, sendable, line);
                    var delegated = await InCloud("delegate", wait => s.Cloud.RenderAsync(body, req.OutputPath, wait));
                    // Not a fallback: the ad is what was asked for. The path and encoder say where it was made.
                    if (delegated.Ok) return Outcome(req.OutputPath, true, false, Delegation.CloudEncoder(delegated.Encoder), "cloud", 0);
                    fallbacks.Add(Delegation.LocalFallback(localHeight, delegated.Reason ?? "failed"));
                }
            }

            // 4. The template: hybrid draws on the base the cloud made at the asked height; otherwise this device's own.
            PreparedTemplate? prepared = null;
            if (req.Mode == Delegation.Hybrid && !cloudAllowed) fallbacks.Add(Delegation.LocalFallback(localHeight, "not-allowed"));
            else if (req.Mode == Delegation.Hybrid || personalHybrid)
            {
                var (cloudBase, why) = await InCloud("base", wait => s.Bases.GetAsync(spec.Id, req.CampaignVersion, height, wait));
                prepared = cloudBase;
                if (why is not null) fallbacks.Add(Delegation.LocalFallback(localHeight, why));
            }
            try { prepared ??= await Stage("prepare", () => s.Prepared.GetAsync(campaign)); }
            catch (Shared.Cli.FleetException e) { return StaticCreative($"composite:static-creative:prepare-failed:{Reason(e)}"); }

            // 5. The cache, keyed by everything that shapes the output; renders of one key in flight are coalesced.
            var voiceLine = prepared.Template.Voice is { } v ? TextSlots.Fill(v.Line, choice.Fields) : null;
            var key = RenderCache.KeyOf(prepared.HeroSha256, prepared.Directory, JsonSerializer.Serialize(choice.Fields.OrderBy(f => f.Key, StringComparer.Ordinal), FleetJson.Options),
                grade, spec.Voice.Name, spec.Voice.Rate.ToString(), voiceLine ?? "", artifacts.Model ?? "", artifacts.Template ?? "");
            if (req.UseCache)
            {
                if (s.Cache.TryGet(key) is { } hit) return FromCache(hit);
                if (await coordinator.Ask<object>(new Claim(key, self), s.Settings.Deadline, ct) is Follow)
                {
                    if (await _leaderDone.Task.WaitAsync(ct) is { } done) return FromCache(done);
                }
                else claimedKey = key;
            }

            // 6. Speech, fitted to its slot, spoken while the composite's video step already runs (its audio mix waits for
            //    the voice); without a voice the ad plays with music and on-screen text.
            var speaking = voiceLine is null ? null : Stage("speech", () => s.Speech.Ask<SpeechProtocol.SpeechResult>(
                new SpeechProtocol.Synthesise(voiceLine, spec.Voice, (double)prepared.Template.Voice!.MaxFrames / prepared.Template.Fps), s.Settings.Deadline, ct));

            // 7. Composite into a private file, moved into place only if this job is still wanted.
            var temp = Path.Combine(workDir, "ad.mp4");
            var request = new RenderRequest { Fields = choice.Fields, PendingVoice = speaking is null ? null : WavOf(speaking), Grade = grade };
            var composed = await Stage("composite", () => s.Composite.Ask<object>(
                new CompositeProtocol.Compose(prepared, request, temp, campaign.StaticCreativePath), s.Settings.Deadline, ct));
            ct.ThrowIfCancellationRequested();
            double audio = 0;
            if (speaking is not null)
            {
                var speech = await speaking;
                if (speech is SpeechProtocol.SpeechReady ready) audio = ready.DurationSeconds;
                else fallbacks.Add($"speech:captions-only:{((SpeechProtocol.CaptionsOnly)speech).Reason}");
            }
            switch (composed)
            {
                case CompositeProtocol.Composed c:
                    fallbacks.AddRange(c.Fallbacks);
                    MoveAtomically(c.OutputPath, req.OutputPath);
                    var cached = c.Path == "static-creative" ? null : s.Cache.Put(key, req.OutputPath, artifacts);
                    Release(cached);
                    return Outcome(req.OutputPath, true, false, c.Encoder, c.Path, audio);
                case CompositeProtocol.CompositionFailed f:
                    fallbacks.AddRange(f.Fallbacks);
                    return Outcome(req.OutputPath, false, false, "none", "none", audio, $"no ad could be rendered: {f.Reason}");
                default:
                    return StaticCreative("composite:static-creative:unexpected-reply");
            }
        }
        catch (OperationCanceledException) when (_killedBy is { } k)
        {
            return StaticCreative($"policy:static-creative:{k.Id}:cancelled-in-flight");
        }
        catch (Exception e) when (e is OperationCanceledException or AskTimeoutException or TimeoutException)
        {
            return StaticCreative($"render:static-creative:over-deadline-{s.Settings.Deadline.TotalMilliseconds:0}ms");
        }
        catch (Exception e)
        {
            // Never a broken ad: whatever went wrong, the static creative plays and the reason is recorded.
            return StaticCreative($"render:static-creative:{e.GetType().Name}:{Reason(e)}");
        }
        finally
        {
            if (claimedKey is not null) Release(null);
            try { Directory.Delete(workDir, recursive: true); } catch (IOException) { }
        }

        void Release(string? cachedPath)
        {
            if (claimedKey is null) return;
            coordinator.Tell(new KeyDone(claimedKey, cachedPath));
            claimedKey = null;
        }

        RenderOutcome FromCache(string cachedPath)
        {
            CopyAtomically(cachedPath, req.OutputPath);
            return Outcome(req.OutputPath, true, true, "cache", "cache", 0);
        }
    }

    // The spoken WAV for the composite, or none: a failed or late synthesis is answered by the job itself once it awaits it.
    private static async Task<string?> WavOf(Task<SpeechProtocol.SpeechResult> speaking)
    {
        try { return await speaking is SpeechProtocol.SpeechReady ready ? ready.WavPath : null; }
        catch (Exception) { return null; }
    }

    /// <summary><see cref="RenderOutcome.Path"/> of a holdout render: the static creative, shown as the control group.</summary>
    public const string HoldoutPath = "holdout";

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
