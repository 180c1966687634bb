using Fleet.Edge.Manifests;
using Fleet.Shared.Personalisation.Embedding;
using Fleet.Shared.Assets;
using Fleet.Shared.Campaigns;
using Fleet.Shared.Manifests;
using Fleet.Shared.Rollouts;

namespace Fleet.Edge.Node.Tests.Manifests;

/// <summary>A model a rollout directs: fetched by sha256, loaded and test-run before any render may use it.</summary>
public sealed class ModelFilesTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("fleet-model-files-").FullName;
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(5) };

    public void Dispose()
    {
        _http.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private ArtifactOverlay Stored(byte[] bytes, string version)
    {
        using var content = new MemoryStream(bytes);
        var sha = new ContentStore(Path.Combine(_dir, "models", "content")).Put(content).Sha256;
        return new ArtifactOverlay("r1", ArtifactKind.Model, DefaultModel.Ref.Name, version, sha, ["kiosk-1"], new Dictionary<string, string>(), null);
    }

    private Task<(Fleet.Edge.Personalisation.ModelInUse? Model, string? Error)> Prepare(ArtifactOverlay o) =>
        new ModelFiles(_dir, _http).PrepareAsync(new Uri("http://127.0.0.1:1/"), "token", o, CancellationToken.None);

    [Fact]
    public async Task A_real_model_passes_its_test_run_and_gets_a_folder_of_its_own()
    {
        var (model, error) = await Prepare(Stored(await File.ReadAllBytesAsync(MiniLmOptions.Default.ModelPath), "1.0.1"));
        Assert.Null(error);
        Assert.Equal($"{DefaultModel.Ref.Name}@1.0.1", model!.Id);
        Assert.True(File.Exists(Path.Combine(model.Directory!, "model.onnx")));
        Assert.NotEqual(Path.GetFullPath(MiniLmOptions.DefaultModelDir), Path.GetFullPath(model.Directory!));
    }

    [Fact]
    public async Task A_model_copy_that_rotted_on_disk_is_quarantined_and_copied_again_before_it_loads()
    {
        var overlay = Stored(await File.ReadAllBytesAsync(MiniLmOptions.Default.ModelPath), "1.0.2");
        var (model, _) = await Prepare(overlay);
        var copy = Path.Combine(model!.Directory!, "model.onnx");
        using (var f = new FileStream(copy, FileMode.Open, FileAccess.ReadWrite)) { f.Position = f.Length - 100; f.WriteByte(0x42); }

        var (again, error) = await Prepare(overlay);
        Assert.Null(error);
        Assert.Equal(overlay.Sha256, await Fleet.Edge.Store.AssetGuard.Sha256Of(Path.Combine(again!.Directory!, "model.onnx")));
        Assert.Single(Directory.GetFiles(Path.Combine(_dir, "quarantine")));
    }

    [Fact]
    public async Task A_corrupt_file_is_refused_with_the_loader_reason_and_no_model()
    {
        var garbage = new byte[2048];
        new Random(3).NextBytes(garbage);
        var (model, error) = await Prepare(Stored(garbage, "1.1.0"));
        Assert.Null(model);
        Assert.StartsWith("model-corrupt", error);
    }

    [Fact]
    public async Task An_unreachable_cloud_is_a_download_failure_not_a_load_error()
    {
        var overlay = new ArtifactOverlay("r1", ArtifactKind.Model, "m", "1.0.0", new string('a', 64), null, new Dictionary<string, string>(), null);
        var (model, error) = await Prepare(overlay);
        Assert.Null(model);
        Assert.StartsWith(ModelFiles.DownloadFailed, error);
    }
}
