using System.Text.Json;
using Fleet.Shared.Security;
using Fleet.Shared.Serialization;

namespace Fleet.Shared.Campaigns;

/// <summary>
/// The part of an <see cref="AssignmentTable"/> a device obeys: which campaign versions it runs, the rollout overlays
/// (campaign and model directives, the model's name, version and sha256 among them) and the versions withdrawn from the
/// fleet. Signed by a key of the trust set, so a device adopts no directive the fleet CA's chain does not vouch for.
/// </summary>
public sealed record AssignmentDirectives(string Purpose, long Revision, IReadOnlyList<Assignment> Assignments,
    IReadOnlyList<ArtifactOverlay> Overlays, IReadOnlyList<WithdrawnVersion> Withdrawn);

/// <summary>A campaign version taken out of the fleet (rolled back or withdrawn): no device runs it and nothing may direct one to it.</summary>
public sealed record WithdrawnVersion(string CampaignId, int Version) : IFleetProtocol;

/// <summary>Signs the directives of an assignment table in the cloud and checks them on the device.</summary>
public static class SignedAssignments
{
    /// <summary>Names the document, so a signature made for a manifest or a kill policy never passes as assignments.</summary>
    public const string Purpose = "fleet-assignments";

    /// <summary>How far a table's revision may move past the one a device holds (a leaked key cannot park it at long.MaxValue).</summary>
    public const long MaxRevisionJump = 1_000_000;

    /// <summary>The table with its directives signed by <paramref name="signer"/> as <see cref="AssignmentTable.SignedJson"/>.</summary>
    public static AssignmentTable Sign(AssignmentTable table, EnvelopeSigner signer)
    {
        var directives = new AssignmentDirectives(Purpose, table.Revision, table.Assignments, table.ActiveOverlays, table.WithdrawnVersions);
        return table with { SignedJson = signer.Sign(JsonSerializer.SerializeToUtf8Bytes(directives, FleetJson.Options)).ToJson() };
    }

    /// <summary>
    /// The table as its signature says (the signed directives replace whatever travelled beside them), or a one-line
    /// reason to refuse it: unsigned, signed by a key outside <paramref name="trust"/> or revoked, another document, a
    /// revision below <paramref name="heldRevision"/> (a replay) or too far above it.
    /// </summary>
    public static (AssignmentTable? Table, string? Refusal) Verify(AssignmentTable received, TrustSet trust, long heldRevision, DateTimeOffset? at = null)
    {
        if (string.IsNullOrEmpty(received.SignedJson)) return (null, "assignment table refused: it is not signed");
        var verified = EnvelopeVerifier.Verify(System.Text.Encoding.UTF8.GetBytes(received.SignedJson), trust, at);
        if (!verified.IsValid) return (null, $"assignment table refused: {verified.Message}");
        AssignmentDirectives? d;
        try { d = JsonSerializer.Deserialize<AssignmentDirectives>(verified.Payload, FleetJson.Options); }
        catch (JsonException e) { return (null, $"assignment table refused: payload is not assignment directives ({e.Message})"); }
        if (d?.Purpose != Purpose || d.Assignments is null || d.Overlays is null || d.Withdrawn is null)
            return (null, "assignment table refused: payload is not assignment directives");
        if (d.Revision < heldRevision)
            return (null, $"assignment table refused: revision {d.Revision} is older than the held revision {heldRevision}");
        if (heldRevision > 0 && d.Revision - heldRevision > MaxRevisionJump)
            return (null, $"assignment table refused: revision {d.Revision} jumps more than {MaxRevisionJump} above the held revision {heldRevision}");
        return (received with { Revision = d.Revision, Assignments = d.Assignments, Overlays = d.Overlays, Withdrawn = d.Withdrawn }, null);
    }
}
