using Akka.Actor;
using Akka.Hosting;
using Fleet.Shared.Devices;

namespace Fleet.Cloud.Devices;

/// <summary>
/// Read side of the registry for the API: which devices exist (<see cref="KnownDevices"/>) and each one's view, from
/// this node's <see cref="DeviceIndex"/> for listings and from the entity itself for one device.
/// </summary>
public sealed class DeviceDirectory(IRequiredActor<DeviceRegion> region, KnownDevices known, DeviceIndex index)
{
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(5);

    public async Task<IReadOnlyList<DeviceReplies.DeviceView>> ListAsync(CancellationToken ct)
    {
        var ids = await known.IdsAsync(ct);
        var views = new List<DeviceReplies.DeviceView>(ids.Count);
        var missing = new List<string>();
        foreach (var id in ids)
        {
            if (index.Fresh(id) is { } v) views.Add(v);
            else missing.Add(id);
        }
        if (missing.Count > 0)
        {
            var regionRef = await region.GetAsync(ct);
            var asked = await Task.WhenAll(missing.Select(id => regionRef.Ask<DeviceReplies.DeviceView>(new DeviceCommands.Get(id), AskTimeout, ct)));
            foreach (var v in asked) index.Update(v);
            views.AddRange(asked);
        }
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
