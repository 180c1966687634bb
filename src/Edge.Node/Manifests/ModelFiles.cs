using System.Net.Http.Headers;
using Fleet.Edge.Personalisation;
using Fleet.Shared.Personalisation.Embedding;
using Fleet.Shared.Assets;
using Fleet.Shared.Campaigns;

namespace Fleet.Edge.Manifests;

/// <summary>
/// Models a rollout tells this device to use: downloaded by sha256 with the device token, placed in a folder of their
/// own next to the shipped tokenizer vocabulary, then loaded and test-run. Only a model that passes is handed to
/// renders; until then (and if it fails) the model in use stays. Both the download and the copy a render loads are
/// verified against the overlay's sha256 by the guard before every load: a corrupt one is quarantined and fetched or copied again.
/// </summary>
public sealed class ModelFiles(string dataDir, HttpClient http, Store.AssetGuard? guard = null)
{
    private readonly Store.AssetGuard _guard = guard ?? new Store.AssetGuard(dataDir);
    /// <summary>Prefix of the error for a model that could not be fetched (transient: retried, never reported as a load error).</summary>
    public const string DownloadFailed = "download-failed";

    private readonly ContentStore _store = new(Path.Combine(dataDir, "models", "content"));
    private readonly string _root = Path.Combine(dataDir, "models");

    /// <summary>Whether the model's bytes are in this device's store already (so it can be made ready without its cloud).</summary>
    public bool IsStored(ArtifactOverlay overlay) => _store.Has(overlay.Sha256!);

    /// <summary>
    /// The model ready to render with, or a one-line reason (<see cref="DownloadFailed"/>, <c>sha-mismatch</c>, <c>model-corrupt</c> …).
    /// Without a cloud (<paramref name="api"/> null) only a stored model can be made ready.
    /// </summary>
    public async Task<(ModelInUse? Model, string? Error)> PrepareAsync(Uri? api, string? token, ArtifactOverlay overlay, CancellationToken ct)
    {
        var sha = overlay.Sha256!;
        if (_store.Has(sha)) await _guard.CheckAsync(_store.PathOf(sha), sha, $"model {overlay.ArtifactId} (download)");
        if (!_store.Has(sha))
        {
            if (api is null || token is null) return (null, $"{DownloadFailed}: no cloud to fetch {overlay.ArtifactId} from");
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(api, $"api/v1/assets/{sha}"));
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
                using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
                if (!response.IsSuccessStatusCode) return (null, $"{DownloadFailed}: the cloud answered {(int)response.StatusCode} for {overlay.ArtifactId}");
                await using var body = await response.Content.ReadAsStreamAsync(ct);
                var stored = await _store.PutAsync(body, ct);
                if (stored.Sha256 != sha) return (null, $"sha-mismatch: {overlay.ArtifactId} arrived as {stored.Sha256[..12]}, expected {sha[..12]}");
            }
            catch (Exception e) when (Shared.Http.FleetHttp.IsTransportFailure(e) && !ct.IsCancellationRequested)
            {
                return (null, $"{DownloadFailed}: {e.Message}");
            }
        }
        var dir = Path.Combine(_root, sha);
        var options = new MiniLmOptions(dir);
        if (File.Exists(options.ModelPath)) await _guard.CheckAsync(options.ModelPath, sha, $"model {overlay.ArtifactId}");
        if (!File.Exists(options.ModelPath))
        {
            Directory.CreateDirectory(dir);
            File.Copy(MiniLmOptions.Default.VocabPath, options.VocabPath, overwrite: true);
            var temp = options.ModelPath + ".part";
            File.Copy(_store.PathOf(sha), temp, overwrite: true);
            File.Move(temp, options.ModelPath, overwrite: true);
        }
        return await Task.Run(() => Verify(overlay, options), ct);
    }

    /// <summary>Loads the model and embeds two sentences: it must give unit-length, distinct, finite vectors.</summary>
    private static (ModelInUse? Model, string? Error) Verify(ArtifactOverlay overlay, MiniLmOptions options)
    {
        try
        {
            var v = MiniLmEmbedder.For(options).Embed(["summer sale on sunglasses", "winter coats in stock"]);
            var norm = v[0].Sum(x => x * x);
            if (v[0].Any(x => !float.IsFinite(x)) || Math.Abs(norm - 1) > 1e-3 || v[0].SequenceEqual(v[1]))
                return (null, $"model-garbage: {overlay.ArtifactId} gives unusable embeddings");
            return (new ModelInUse(overlay.ArtifactId, options.ModelDir), null);
        }
        catch (EmbeddingModelException e)
        {
            return (null, $"{e.Reason}: {e.Message}");
        }
    }

    /// <summary>Deletes model folders and files no longer wanted.</summary>
    public void CollectGarbage(IReadOnlyCollection<string> keepShas)
    {
        if (!Directory.Exists(_root)) return;
        foreach (var dir in Directory.EnumerateDirectories(_root))
        {
            var name = Path.GetFileName(dir);
            if (ContentStore.IsSha256(name) && !keepShas.Contains(name)) Directory.Delete(dir, recursive: true);
        }
        _store.CollectGarbage(keepShas);
    }
}
