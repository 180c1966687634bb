using Fleet.Cloud.Api;
using Fleet.Shared.Devices;
using Fleet.Shared.Tokens;

namespace Fleet.Cloud.Devices;

/// <summary>HTTP: <c>GET /api/v1/devices</c> and <c>GET /api/v1/devices/{id}</c>.</summary>
public static class DevicesEndpoints
{
    public static void MapDevices(this RouteGroupBuilder api)
    {
        api.MapGet("/devices", async (DeviceDirectory dir, CancellationToken ct) => ApiResults.Ok(await dir.ListAsync(ct)))
            .RequireRole(TokenRoles.Viewer).WithName("listDevices").WithTags("devices").WithSummary("Every registered device: state, connectivity, versions, tags")
            .Produces<List<DeviceReplies.DeviceView>>();
        api.MapGet("/devices/{id}", async (DeviceId id, DeviceDirectory dir, CancellationToken ct) =>
                await dir.GetAsync(id.Value, ct) is { } view ? ApiResults.Ok(view) : ApiResults.NotFound($"device '{id}' is not registered"))
            .RequireRole(TokenRoles.Viewer, TokenRoles.Device).RequireOwnDevice().WithName("getDevice").WithTags("devices").WithSummary("One device (a device token reads only its own)")
            .Produces<DeviceReplies.DeviceView>().Errors(404);
    }
}
