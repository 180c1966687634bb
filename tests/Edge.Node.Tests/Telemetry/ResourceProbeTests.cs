using Fleet.Edge.Telemetry;

namespace Fleet.Edge.Node.Tests.Telemetry;

/// <summary>
/// The accelerator reading of a resource sample, over folders shaped like the kernel's /sys/class (this machine has no
/// NPU or GPU to read): the busiest NPU or GPU reported, other devfreq devices ignored, null where nothing is exposed.
/// </summary>
public sealed class ResourceProbeTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("fleet-sysclass-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private void Write(string relative, string text)
    {
        var path = Path.Combine(_root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
    }

    private double? Sample() => new ResourceProbe(classRoot: _root).Sample(DateTimeOffset.UtcNow).NpuPercent;

    [Fact]
    public void The_busiest_npu_or_gpu_is_reported_and_other_devfreq_devices_are_not()
    {
        Write("devfreq/fdab0000.npu/load", "37@1000000000Hz\n");
        Write("devfreq/dmc/load", "90@1560000000Hz\n"); // the memory controller: not an accelerator
        Write("drm/card0/device/gpu_busy_percent", "12\n");
        Assert.Equal(37, Sample());

        Write("kgsl/kgsl-3d0/gpu_busy_percentage", "64 %\n");
        Assert.Equal(64, Sample());
    }

    [Fact]
    public void Nothing_exposed_or_nothing_readable_is_null_never_a_guess()
    {
        Assert.Null(Sample());
        Write("devfreq/ff9a0000.gpu/load", "busy\n");
        Write("drm/card1/device/gpu_busy_percent", "250\n");
        Assert.Null(Sample());
    }
}
