using Akka.Actor;
using Akka.Hosting;
using Fleet.Shared.Devices;

namespace Fleet.Cloud.Devices;

/// <summary>Read side of the registry for the API: which devices exist (<see cref="KnownDevices"/>) and each one's live view.</summary>
public sealed class DeviceDirectory(IRequiredActor<DeviceRegion> region, KnownDevices known)
{
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(5);

    public async Task<IReadOnlyList<DeviceReplies.DeviceView>> ListAsync(CancellationToken ct)
    {
        var ids = await known.IdsAsync(ct);
        var regionRef = await region.GetAsync(ct);
        var views = await Task.WhenAll(ids.Select(id => regionRef.Ask<DeviceReplies.DeviceView>(new DeviceCommands.Get(id), AskTimeout, ct)));
        return views.Where(v => v.Facts is not null).OrderBy(v => v.DeviceId, StringComparer.Ordinal).ToList();
    }

    public async Task<DeviceReplies.DeviceView?> GetAsync(string deviceId, CancellationToken ct)
    {
        if (!DeviceId.IsValid(deviceId)) return null;
        var regionRef = await region.GetAsync(ct);
        var view = await regionRef.Ask<DeviceReplies.DeviceView>(new DeviceCommands.Get(deviceId), AskTimeout, ct);
        return view.Facts is null ? null : view;
    }
}
