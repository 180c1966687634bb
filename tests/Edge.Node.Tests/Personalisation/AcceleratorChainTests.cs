using Fleet.Shared.Personalisation.Embedding;

namespace Fleet.Edge.Node.Tests.Personalisation;

/// <summary>The accelerator chain on the real model: probing at load, run-time fallback, and names that do not exist.</summary>
public sealed class AcceleratorChainTests
{
    [Fact]
    public void An_unknown_provider_name_is_a_clear_error()
    {
        var error = Assert.Throws<ArgumentException>(() => ExecutionProviders.Chain("xnnpack,warp9"));

        Assert.Contains("unknown execution provider 'warp9'", error.Message);
        Assert.Contains("xnnpack", error.Message);
    }

    [Fact]
    public void Cpu_always_ends_the_chain()
    {
        Assert.Equal(["xnnpack", "cpu"], ExecutionProviders.Chain("XNNPACK"));
        Assert.Equal(["cpu", "cuda"], ExecutionProviders.Chain("cpu, cuda"));
        Assert.Equal(["cpu"], ExecutionProviders.Chain(null));
    }

    [Fact]
    public void A_provider_that_cannot_open_is_skipped_at_load()
    {
        using var embedder = new MiniLmEmbedder(MiniLmOptions.Default with
        {
            Provider = "broken,cpu",
            Delegates = [new FaultyDelegate("broken", failOpen: true)],
        });

        Assert.Equal("cpu", embedder.Provider);
        Assert.Contains("personalise:cpu:broken-unavailable", embedder.ProviderFallbacks);
    }

    [Fact]
    public void A_provider_failing_at_inference_falls_back_without_failing_the_caller()
    {
        var flaky = new FaultyDelegate("flaky", failOpen: false);
        using var embedder = new MiniLmEmbedder(MiniLmOptions.Default with { Provider = "flaky,cpu", Delegates = [flaky] });
        using var cpu = new MiniLmEmbedder(MiniLmOptions.Default);
        Assert.Equal("flaky", embedder.Provider); // the probe inference passed

        flaky.FailFromNow();
        var vectors = embedder.Embed(["coffee deal", "car insurance"]);

        Assert.Equal("cpu", embedder.Provider);
        Assert.Contains("personalise:cpu:flaky-failed", embedder.ProviderFallbacks);
        Assert.True(flaky.Disposed);
        var expected = cpu.Embed(["coffee deal", "car insurance"]);
        Assert.True(Vectors.Cosine(expected[0], vectors[0]) > 0.9999);
        Assert.True(Vectors.Cosine(expected[1], vectors[1]) > 0.9999);
    }

    /// <summary>Test-only link: ONNX Runtime on CPU underneath, failing on open or, once told, on every inference.</summary>
    private sealed class FaultyDelegate(string name, bool failOpen) : IAcceleratorDelegate
    {
        private volatile bool _failRuns;

        public string Name => name;
        public bool Disposed { get; private set; }

        public void FailFromNow() => _failRuns = true;

        public IEmbeddingSession Open(MiniLmOptions options) =>
            failOpen ? throw new InvalidOperationException($"{name}: no such device") : new Session(this, new OrtProviderDelegate("cpu").Open(options));

        private sealed class Session(FaultyDelegate owner, IEmbeddingSession inner) : IEmbeddingSession
        {
            public float[][] Run(TokenBatch batch) =>
                owner._failRuns ? throw new InvalidOperationException($"{owner.Name}: accelerator reset") : inner.Run(batch);

            public void Dispose()
            {
                owner.Disposed = true;
                inner.Dispose();
            }
        }
    }
}
