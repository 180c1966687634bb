using Akka.Actor;
using Fleet.Cloud.Api;
using Fleet.Cloud.Devices;
using Fleet.Shared.Campaigns;

namespace Fleet.Cloud.Campaigns;

/// <summary>A device token reads only what is assigned to its own device (by the device's registered tags).</summary>
public static class DeviceAccess
{
    public static async Task<IResult?> DeniedAsync(HttpContext ctx, DeviceDirectory devices, IActorRef store, string? campaignId, string? sha256, CancellationToken ct)
    {
        var p = ctx.RequiredPrincipal();
        if (!p.IsDevice) return null;
        var view = await devices.GetAsync(p.DeviceId!, ct);
        var tags = view?.Facts?.Tags ?? new Dictionary<string, string>();
        var access = await store.Ask<CampaignReplies.Access>(new CampaignCommands.CheckDeviceAccess(p.DeviceId!, tags, campaignId, sha256),
            CampaignPublisher.AskTimeout, ct);
        return access.Allowed ? null : ApiResults.Forbidden(access.Reason);
    }
}
