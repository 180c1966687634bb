using System.Diagnostics;
using System.Text.Json;
using Akka.Actor;
using Fleet.Edge.KillSwitch;
using Fleet.Edge.Personalisation;
using Fleet.Edge.Speech;
using Fleet.Shared.Campaigns;
using Fleet.Shared.KillSwitch;
using Fleet.Shared.Rendering;
using Fleet.Shared.RenderJobs;
using Fleet.Shared.Serialization;
using static Fleet.Edge.Rendering.RenderProtocol;

namespace Fleet.Edge.Rendering;

/// <summary>
/// One render as its <see cref="RenderJob"/> runs it, off the actor thread: a loop that runs the stage
/// <see cref="RenderChain.Next"/> names and feeds back what it produced, until the chain says how the render ends. This
/// class does the work (asks, files, the cache) and keeps what each stage made for the stages after it; every decision,
/// and every fallback reason, is the chain's.
/// </summary>
internal sealed class RenderRun(string id, RenderAd req, RenderServices s, IActorRef self, IActorRef coordinator, string? pressure, Task<string?> leaderDone)
{
    private readonly Stopwatch _total = Stopwatch.StartNew();
    private readonly StageTimings _timings = new();
    private readonly LoadedCampaign _campaign = req.Campaign;
    private readonly RenderArtifacts _artifacts = req.Artifacts(s.Settings);
    private RenderChain.State _state = new(new RenderChain.Facts(req.Expected is not null, req.Campaign.Spec.StaticCreative, req.Holdout,
        req.PreviewHeadline is not null, req.Mode, req.Height ?? req.Campaign.Template.Height, req.Campaign.Template.Height, s.Settings.MaxLocalHeight,
        pressure, req.UseCache, s.Settings.Deadline));

    // What the stages made, for the stages after them.
    private CampaignSpec _spec = req.Campaign.Spec;
    private CopyChoice? _choice;
    private string? _localeFallback;
    private string _grade = GradePresets.Neutral;
    private string? _cloudLine;
    private IReadOnlyDictionary<string, string>? _sendable;
    private PreparedTemplate? _prepared;
    private string? _key;
    private string? _claimedKey;
    private string _workDir = "";
    private CancellationTokenSource? _deadline;

    /// <param name="cancel">Cancelled when the kill-switch covers the render; <paramref name="killedBy"/> then says by which directive.</param>
    public async Task<RenderOutcome> RunAsync(CancellationToken cancel, Func<KillDirective?> killedBy)
    {
        _workDir = Directory.CreateDirectory(Path.Combine(s.Settings.WorkDir, id)).FullName;
        try
        {
            using var deadline = _deadline = CancellationTokenSource.CreateLinkedTokenSource(cancel);
            deadline.CancelAfter(s.Settings.Deadline);
            var step = Decide(new StageOutcome.Started());
            while (step is RenderStep.Run run) step = Decide(await Execute(run.Stage));
            return Finish(step);
        }
        catch (OperationCanceledException) when (killedBy() is { } k)
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
            if (_claimedKey is not null) Release(null);
            try { Directory.Delete(_workDir, recursive: true); } catch (IOException) { }
        }
    }

    private CancellationToken Ct => _deadline!.Token;

    private RenderStep Decide(StageOutcome outcome)
    {
        (_state, var step) = RenderChain.Next(_state, outcome);
        return step;
    }

    private Task<StageOutcome> Execute(RenderStage stage) => stage switch
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

    // A stored asset that no longer matches its manifest's sha256 is never used: the guard quarantines it and the device
    // fetches it again.
    private async Task<StageOutcome> Verify() => new StageOutcome.Verified(await _timings.Time("verify",
        () => s.Guard.UnusableAsync(req.Expected!, $"{_campaign.Spec.Id} v{req.CampaignVersion}").AsTask()));

    // The kill-switch first: a device that just (re)joined syncs the fleet's policy before anything renders.
    private async Task<StageOutcome> Policy()
    {
        var gate = await _timings.Time("policy", () =>
            s.Policy.Ask<PolicyMessages.Verdict>(new PolicyMessages.Check(_artifacts, s.Settings.PolicySyncWait), s.Settings.Deadline, Ct));
        return gate.BlockedBy is { Scope.Kind: KillKind.Model } model
            ? new StageOutcome.PolicyChecked(ModelKilledBy: model.Id)
            : new StageOutcome.PolicyChecked(BlockedBy: gate.BlockedBy?.Id);
    }

    // Copy: the model (or a preview, or default copy when the model is killed), always through the safety filter. The
    // context's locale picks the copy pool, voice and blocklist; without a pool for it the default one says so.
    private async Task<StageOutcome> Personalise()
    {
        (_spec, var pool, _localeFallback) = CampaignLocales.Resolve(_campaign.Spec, req.Context.Locale);
        var spec = _spec;
        object ask = req.PreviewHeadline is not null || req.PreviewCta is not null || _state.ModelKilledBy is not null
            ? new PersonaliseProtocol.PreviewCopy(spec, req.PreviewHeadline ?? spec.DefaultCopy.Headline, req.PreviewCta ?? spec.DefaultCopy.Cta, req.Context)
            : new PersonaliseProtocol.ChooseCopy(spec, RenderAd.CopyKey(spec.Id, req.CampaignVersion, _artifacts.Model, pool), req.Context, req.Model?.Directory,
                req.Bucket, _campaign.Template.Grades);
        var choice = _choice = await _timings.Time("personalise", () => s.Personalise.Ask<CopyChoice>(ask, s.Settings.Deadline, Ct));
        _grade = GradePresets.AllowedOr(choice.Grade, _campaign.Template.Grades);
        // A delegated render sends only the slot values the template draws and the voice line, and none that is personal.
        _cloudLine = _campaign.Template.Voice is { } line ? TextSlots.Fill(line.Line, choice.Fields) : null;
        _sendable = PersonalFields.ForCloud(_campaign.Template, choice.Fields, _cloudLine);
        return new StageOutcome.Personalised(choice.Fallbacks, spec.Budget.AllowCloud, _sendable is not null);
    }

    private async Task<StageOutcome> Delegate()
    {
        var body = new CloudRenderClient.JobBody(_spec.Id,
            int.TryParse(req.CampaignVersion, out var synced) ? synced : null, _state.Facts.Height, _sendable!, _cloudLine);
        var delegated = await InCloud("delegate", wait => s.Cloud.RenderAsync(body, req.OutputPath, wait));
        return new StageOutcome.Delegated(delegated.Ok, delegated.Encoder, delegated.Reason);
    }

    // Hybrid: the base the cloud made at the asked height, for this device to draw the ad on.
    private async Task<StageOutcome> Base()
    {
        (_prepared, var why) = await InCloud("base", wait => s.Bases.GetAsync(_spec.Id, req.CampaignVersion, _state.Facts.Height, wait));
        return new StageOutcome.BaseFetched(_prepared is not null, why);
    }

    private async Task<StageOutcome> Prepare()
    {
        try { _prepared = await _timings.Time("prepare", () => s.Prepared.GetAsync(_campaign)); }
        catch (Shared.Cli.FleetException e) { return new StageOutcome.PrepareFailed(Reason(e)); }
        return new StageOutcome.Prepared();
    }

    // The cache, keyed by everything that shapes the output; renders of one key in flight are coalesced.
    private async Task<StageOutcome> Cache()
    {
        if (s.Cache.TryGet(Key()) is { } hit) return new StageOutcome.CacheChecked(hit);
        if (await coordinator.Ask<object>(new Claim(Key(), self), s.Settings.Deadline, Ct) is Follow)
            return new StageOutcome.CacheChecked(await leaderDone.WaitAsync(Ct));
        _claimedKey = Key();
        return new StageOutcome.CacheChecked();
    }

    // Speech and composite as a cloud render worker runs them too; the composite writes a private file, moved into place
    // only if this job is still wanted.
    private async Task<StageOutcome> Compose()
    {
        var prepared = _prepared!;
        var line = VoiceLine();
        var ct = Ct;
        Func<Task<SpeechAndComposite.Voice>>? speak = line is null ? null : async () =>
            await s.Speech.Ask<SpeechProtocol.SpeechResult>(
                new SpeechProtocol.Synthesise(line, _spec.Voice, (double)prepared.Template.Voice!.MaxFrames / prepared.Template.Fps), s.Settings.Deadline, ct) switch
            {
                SpeechProtocol.SpeechReady ready => new SpeechAndComposite.Voice(ready.WavPath, ready.DurationSeconds),
                SpeechProtocol.CaptionsOnly captions => SpeechAndComposite.Voice.CaptionsOnly(captions.Reason),
                var other => throw new InvalidOperationException($"the speech actor answered {other.GetType().Name}"),
            };
        var temp = Path.Combine(_workDir, "ad.mp4");
        var done = await SpeechAndComposite.RunAsync(new RenderRequest { Fields = _choice!.Fields, Grade = _grade }, speak,
            request => s.Composite.Ask<object>(new CompositeProtocol.Compose(prepared, request, temp, _campaign.StaticCreativePath), s.Settings.Deadline, ct),
            _timings, ct);
        return new StageOutcome.Composited(done.Composed, done.AudioSeconds, done.Fallback);
    }

    // Work in the cloud gets its own wait; the render's deadline grows by that wait while it lasts.
    private async Task<T> InCloud<T>(string stage, Func<CancellationToken, Task<T>> work)
    {
        var deadline = _deadline!;
        deadline.CancelAfter(s.Settings.CloudWait + s.Settings.Deadline);
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token);
        wait.CancelAfter(s.Settings.CloudWait);
        var result = await _timings.Time(stage, () => work(wait.Token));
        deadline.Token.ThrowIfCancellationRequested();
        deadline.CancelAfter(s.Settings.Deadline);
        return result;
    }

    // Carries out a step that ends the render.
    private RenderOutcome Finish(RenderStep step)
    {
        switch (step)
        {
            case RenderStep.StaticCreative shown:
                try
                {
                    CopyAtomically(_campaign.StaticCreativePath, req.OutputPath);
                    return Outcome(true, "none", shown.RenderPath, 0);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    return Outcome(false, "none", "none", 0, $"no ad could be written to {req.OutputPath}: {e.Message}");
                }
            case RenderStep.Fail failed:
                return Outcome(false, "none", "none", failed.AudioSeconds, failed.Error);
            case RenderStep.FromCloud cloud:
                return Outcome(true, cloud.Encoder, "cloud", 0);
            case RenderStep.FromCache cache:
                CopyAtomically(cache.CachedPath, req.OutputPath);
                return Outcome(true, "cache", "cache", 0, cacheHit: true);
            case RenderStep.Deliver { Composed: var c } delivered:
                MoveAtomically(c.OutputPath, req.OutputPath);
                Release(c.Path == EncoderChain.StaticCreative ? null : s.Cache.Put(Key(), req.OutputPath, _artifacts));
                return Outcome(true, c.Encoder, c.Path, delivered.AudioSeconds);
            default:
                throw new InvalidOperationException($"{step} does not end a render");
        }
    }

    private RenderOutcome Outcome(bool ok, string encoder, string renderPath, double audio, string? error = null, bool cacheHit = false) => new(
        id, _campaign.Spec.Id, req.OutputPath, ok, _choice?.Headline ?? _campaign.Spec.DefaultCopy.Headline, _choice?.Cta ?? _campaign.Spec.DefaultCopy.Cta,
        _choice?.HeadlineId ?? "default-headline", _choice?.CtaId ?? "default-cta", _choice?.Fields ?? new Dictionary<string, string>(),
        _timings.Ms, _total.Elapsed.TotalMilliseconds, cacheHit, encoder, renderPath, _state.Fallbacks.ToList(), _choice?.SafetyBlocks ?? Array.Empty<string>(),
        audio, _artifacts, error, _localeFallback, _grade);

    private string? VoiceLine() => _prepared!.Template.Voice is { } v ? TextSlots.Fill(v.Line, _choice!.Fields) : null;

    private string Key() => _key ??= RenderCache.KeyOf(_prepared!.HeroSha256, _prepared.Directory,
        JsonSerializer.Serialize(_choice!.Fields.OrderBy(f => f.Key, StringComparer.Ordinal), FleetJson.Options),
        _grade, _spec.Voice.Name, _spec.Voice.Rate.ToString(), VoiceLine() ?? "", _artifacts.Model ?? "", _artifacts.Template ?? "");

    private void Release(string? cachedPath)
    {
        if (_claimedKey is null) return;
        coordinator.Tell(new KeyDone(_claimedKey, cachedPath));
        _claimedKey = null;
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
