using System.Reflection;
using System.Runtime.InteropServices;
using Fleet.Shared.Devices;
using Fleet.Shared.Personalisation.Embedding;
using Microsoft.ML.OnnxRuntime;

namespace Fleet.Edge.Identity;

/// <summary>Collects what this device can do, for its registration: hardware, usable encoders, ONNX Runtime providers.</summary>
public static class DeviceFactsProbe
{
    public static string SoftwareVersion =>
        typeof(DeviceFactsProbe).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";

    /// <param name="embedder">The device's embedding model: loading it here probes the accelerator chain, so the facts say which link won.</param>
    public static DeviceFacts Collect(DeviceIdentity identity, IReadOnlyDictionary<string, string> tags, IReadOnlyList<string> usableEncoders,
        MiniLmEmbedder? embedder = null) => new(
        identity.DeviceId,
        identity.InstallationId,
        Environment.MachineName,
        Environment.ProcessorCount,
        GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / (1024 * 1024),
        RuntimeInformation.OSArchitecture.ToString().ToLowerInvariant(),
        RuntimeInformation.OSDescription,
        usableEncoders,
        ExecutionProviders(),
        SoftwareVersion,
        tags,
        embedder?.Chain,
        embedder is null ? null : Winner(embedder));

    private static string Winner(MiniLmEmbedder embedder)
    {
        try
        {
            return embedder.Provider;
        }
        catch (EmbeddingModelException)
        {
            // The device still registers and renders default copy; the facts say the model is not running.
            return "none";
        }
    }

    private static IReadOnlyList<string> ExecutionProviders()
    {
        try
        {
            return OrtEnv.Instance().GetAvailableProviders();
        }
        catch (Exception e) when (e is DllNotFoundException or TypeInitializationException or OnnxRuntimeException)
        {
            // No native runtime for this platform: the device still registers and personalises with default copy.
            return Array.Empty<string>();
        }
    }
}
