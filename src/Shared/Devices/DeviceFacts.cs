using Fleet.Shared.Serialization;

namespace Fleet.Shared.Devices;

/// <summary>
/// What a device says about itself when it registers. <see cref="InstallationId"/> is created with the device's data
/// folder: the same device id arriving from a different installation is a duplicate, not a restart.
/// <see cref="ExecutionProviders"/> is what this build of ONNX Runtime offers; <see cref="AcceleratorChain"/> is the
/// configured chain (<c>--ep</c>) and <see cref="Accelerator"/> the link that passed its probe inference at start
/// (<c>none</c> when the model could not run at all). Both are null from devices older than the chain.
/// </summary>
public sealed record DeviceFacts(
    string DeviceId,
    string InstallationId,
    string Hostname,
    int Cores,
    long MemoryMb,
    string Architecture,
    string Os,
    IReadOnlyList<string> Encoders,
    IReadOnlyList<string> ExecutionProviders,
    string SoftwareVersion,
    IReadOnlyDictionary<string, string> Tags,
    IReadOnlyList<string>? AcceleratorChain = null,
    string? Accelerator = null) : IFleetProtocol
{
    /// <summary>Facts that matter for the record; <see cref="InstallationId"/> is identity, not a fact that changes.</summary>
    public bool SameFactsAs(DeviceFacts other) =>
        Hostname == other.Hostname && Cores == other.Cores && MemoryMb == other.MemoryMb && Architecture == other.Architecture
        && Os == other.Os && SoftwareVersion == other.SoftwareVersion
        && Encoders.SequenceEqual(other.Encoders) && ExecutionProviders.SequenceEqual(other.ExecutionProviders)
        && (AcceleratorChain ?? []).SequenceEqual(other.AcceleratorChain ?? []) && Accelerator == other.Accelerator
        && Tags.Count == other.Tags.Count && Tags.All(kv => other.Tags.TryGetValue(kv.Key, out var v) && v == kv.Value);
}

/// <summary>up: a cluster member and reachable; unreachable: the failure detector lost it; offline: not a member.</summary>
public enum Connectivity { Offline, Up, Unreachable }
