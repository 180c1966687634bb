using System.Text.Json;
using Fleet.Shared.Persistence;
using Fleet.Shared.RenderJobs;
using Fleet.Shared.Security;
using Fleet.Shared.Serialization;

namespace Fleet.Cloud.Renders;

/// <summary>
/// The slot values and voice line of unfinished render jobs, in the cluster's database (<c>fleet_render_job_texts</c>),
/// sealed with the control nodes' key secret, so a scheduler taking over can still hand the job to a worker. A row is
/// deleted when its job is done or failed; the render journal never holds the text (<see cref="PersonalFields"/>).
/// </summary>
public sealed class JobTexts(ControlStore store, SecretSealer sealer)
{
    private sealed record Text(IReadOnlyDictionary<string, string> Fields, string? VoiceLine);

    private static string Label(string jobId) => $"render-job-text:{jobId}";

    public void Put(string jobId, RenderJobSpec spec)
    {
        var sealedText = sealer.Seal(JsonSerializer.SerializeToUtf8Bytes(new Text(spec.Fields, spec.VoiceLine), FleetJson.Options), Label(jobId));
        store.Write(tx =>
        {
            tx.Execute("DELETE FROM fleet_render_job_texts WHERE job_id = @id", ("id", jobId));
            return tx.Execute("INSERT INTO fleet_render_job_texts (job_id, sealed) VALUES (@id, @s)", ("id", jobId), ("s", sealedText));
        });
    }

    /// <summary>The job as submitted (its listed form with the text put back), or null when no readable text is kept.</summary>
    public RenderJobSpec? Find(string jobId, RenderJobSpec listed)
    {
        var rows = store.Read(tx => tx.Query("SELECT sealed FROM fleet_render_job_texts WHERE job_id = @id", r => r.GetString(0), ("id", jobId)));
        if (rows.Count == 0 || sealer.TryUnseal(rows[0], Label(jobId)) is not { } plain) return null;
        var text = JsonSerializer.Deserialize<Text>(plain, FleetJson.Options)!;
        return listed with { Fields = text.Fields, VoiceLine = text.VoiceLine };
    }

    public void Drop(string jobId) => store.Write(tx => tx.Execute("DELETE FROM fleet_render_job_texts WHERE job_id = @id", ("id", jobId)));

    /// <summary>Deletes the text of every job not in <paramref name="unfinished"/> (a node that stopped between a job's end and the delete).</summary>
    public void Keep(IReadOnlySet<string> unfinished)
    {
        var ids = store.Read(tx => tx.Query("SELECT job_id FROM fleet_render_job_texts", r => r.GetString(0)));
        foreach (var id in ids.Where(i => !unfinished.Contains(i))) Drop(id);
    }
}
