using System.Security.Cryptography;
using System.Text;
using Fleet.Shared.Rendering;

namespace Fleet.Shared.RenderJobs;

/// <summary>
/// What of a render's slot values may leave the device for a cloud render worker, and how the cloud keeps what it got.
/// A delegated render sends only the values its template draws, and none that is personal (<see cref="TemplateSpec.Pii"/>):
/// a render that would show personal text goes hybrid instead (the cloud makes the base, the device draws the ad on it).
/// </summary>
public static class PersonalFields
{
    public const string HashPrefix = "sha256:";

    /// <summary>Field names the template draws: its text layers and its voice line.</summary>
    public static IReadOnlySet<string> Drawn(TemplateSpec t) => t.Layers
        .Where(l => l.Type == LayerType.Text && l.Text is not null).SelectMany(l => TextSlots.Names(l.Text!))
        .Concat(t.Voice is { } v ? TextSlots.Names(v.Line) : [])
        .ToHashSet(StringComparer.Ordinal);

    /// <summary>
    /// The slot values a delegated render may send: those the template draws, or null when one of them is personal —
    /// a drawn field marked <c>pii</c>, or a drawn value (a headline filled with <c>{{first_name}}</c>) that contains a
    /// personal value. The voice line is checked the same way.
    /// </summary>
    public static IReadOnlyDictionary<string, string>? ForCloud(TemplateSpec t, IReadOnlyDictionary<string, string> fields, string? voiceLine)
    {
        var pii = t.Pii.ToHashSet(StringComparer.Ordinal);
        var drawn = Drawn(t);
        if (drawn.Overlaps(pii)) return null;
        var personal = fields.Where(f => pii.Contains(f.Key) && !string.IsNullOrWhiteSpace(f.Value)).Select(f => f.Value.Trim()).ToList();
        var sent = fields.Where(f => drawn.Contains(f.Key)).ToDictionary(f => f.Key, f => f.Value, StringComparer.Ordinal);
        bool Shows(string? text) => text is not null && personal.Any(p => text.Contains(p, StringComparison.OrdinalIgnoreCase));
        return sent.Values.Any(Shows) || Shows(voiceLine) ? null : sent;
    }

    /// <summary>
    /// How the cloud lists a slot value or voice line once it no longer needs the text: SHA-256 of the text salted with the
    /// job id. The salt stops one value being linked across jobs or looked up in a precomputed table; whoever holds the
    /// text and the job id can still check what a job drew.
    /// </summary>
    public static string Hash(string salt, string text) =>
        IsHash(text) ? text : HashPrefix + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{salt}\n{text}")));

    public static bool IsHash(string text) => text.Length == HashPrefix.Length + 64 && text.StartsWith(HashPrefix, StringComparison.Ordinal);

    /// <summary>The job as the ledger lists it: every slot value and the voice line as <see cref="Hash"/>.</summary>
    public static RenderJobSpec Hashed(RenderJobSpec spec, string salt) => spec with
    {
        Fields = spec.Fields.ToDictionary(f => f.Key, f => Hash(salt, f.Value), StringComparer.Ordinal),
        VoiceLine = spec.VoiceLine is { } line ? Hash(salt, line) : null,
    };

    /// <summary>True when the cloud needs text for this job that only its submitter holds (a base job needs none).</summary>
    public static bool NeedsText(RenderJobSpec spec) => !spec.Base && (spec.Fields.Count > 0 || spec.VoiceLine is not null);
}
