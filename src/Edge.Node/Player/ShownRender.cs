namespace Fleet.Edge.Player;

/// <summary>
/// Exactly what one render put on screen, kept by <see cref="RenderLedger"/> under its render id so player events are
/// credited to it: the artifact versions (telemetry's group), the copy variants, grade and voice, the measurement arm
/// and the context bucket the bandit learns in. <see cref="UserHash"/> is the device's salted hash (never a raw id), used
/// only for k-anonymity when telemetry is sealed. <see cref="Counted"/> holds the event slots already counted.
/// </summary>
public sealed record ShownRender(
    string RenderId,
    string CampaignId,
    string CampaignVersion,
    string ModelVersion,
    string TemplateId,
    string HeadlineId,
    string CtaId,
    string Grade,
    string Voice,
    string Arm,
    string Bucket,
    DateTimeOffset At,
    string? UserHash = null,
    IReadOnlyList<string>? Counted = null)
{
    public IReadOnlyList<string> CountedSlots => Counted ?? [];
}

/// <summary>
/// Player events newly counted for one render (<paramref name="Slots"/>, see <see cref="PlayerEventKinds"/>), published
/// on the event stream for the bandit and telemetry. <paramref name="DwellMs"/> is set when the dwell slot is among them.
/// </summary>
public sealed record PlayerOutcome(ShownRender Render, IReadOnlyList<string> Slots, long DwellMs, DateTimeOffset At)
{
    /// <summary>What the bandit learns from these slots: an impression start, a click (or scan), a view to the end;
    /// quartiles and dwell teach it nothing (<see cref="Personalisation.Bandit.VariantStats.None"/>).</summary>
    public Personalisation.Bandit.VariantStats BanditDelta => new(
        Slots.Contains(PlayerEventKinds.ImpressionStart) ? 1 : 0,
        Slots.Contains(PlayerEventKinds.Click) ? 1 : 0,
        Slots.Contains(PlayerEventKinds.Complete) ? 1 : 0);
}

/// <summary>Builds the ledger entry of a finished render from what the pipeline reported.</summary>
public static class ShownRenders
{
    public static ShownRender From(string renderId, Rendering.RenderProtocol.RenderOutcome o, Rendering.RenderProtocol.RenderAd request,
        string arm, string bucket, string? userHash, DateTimeOffset at)
    {
        // The same artifact ids as the render's telemetry event, so events fold into the render's own group.
        var e = Rendering.RenderTelemetry.From(o, request, userHash);
        var voice = request.Campaign.Spec.Voice;
        return new ShownRender(renderId, e.CampaignId, e.CampaignVersion, e.ModelVersion, e.TemplateId, o.HeadlineId, o.CtaId,
            o.Grade, $"{voice.Name}@{voice.Rate}", arm, bucket, at, userHash);
    }
}
