using Akka.Cluster.Sharding;


namespace Fleet.Shared.Devices;

/// <summary>Routes <see cref="IDeviceMessage"/>s to the entity named by the device id.</summary>
public sealed class DeviceMessageExtractor(int maxShards = 50) : HashCodeMessageExtractor(maxShards)
{
    public override string? EntityId(object message) => message switch
    {
        IDeviceMessage m => m.DeviceId,
        _ => null,
    };
}

/// <summary>Registry key for the device shard region (or its proxy on edge nodes).</summary>
public sealed class DeviceRegion;
