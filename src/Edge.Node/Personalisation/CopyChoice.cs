namespace Fleet.Edge.Personalisation;

/// <summary>The copy and grade chosen for one ad: ids and filled text, template fields, the provider used and every fallback or block on the way.</summary>
/// <param name="Fields">Template fields: <c>headline</c>, <c>cta</c> and every slot value (e.g. <c>price</c>).</param>
/// <param name="Provider">Execution provider that embedded the context (<c>cpu</c>, <c>cuda</c> …), or <c>none</c> when the model was not used.</param>
/// <param name="Fallbacks">Reasons such as <c>personalise:cpu:npu-unavailable</c> or <c>personalise:default-copy:model-failed</c>.</param>
/// <param name="SafetyBlocks">Variants the safety filter refused, as <c>id:reason</c>.</param>
/// <param name="Grade">The colour grade, one the template allows.</param>
public sealed record CopyChoice(
    string HeadlineId,
    string Headline,
    string CtaId,
    string Cta,
    IReadOnlyDictionary<string, string> Fields,
    string Provider,
    IReadOnlyList<string> Fallbacks,
    IReadOnlyList<string> SafetyBlocks,
    double ChooseMs,
    string Grade = Fleet.Shared.Rendering.GradePresets.Neutral);
