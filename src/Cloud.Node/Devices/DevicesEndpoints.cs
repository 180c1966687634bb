using Fleet.Cloud.Api;

namespace Fleet.Cloud.Devices;

/// <summary>HTTP: <c>GET /api/v1/devices</c> and <c>GET /api/v1/devices/{id}</c>.</summary>
public static class DevicesEndpoints
{
    public static void MapDevices(this RouteGroupBuilder api)
    {
        api.MapGet("/devices", async (DeviceDirectory dir, CancellationToken ct) => ApiResults.Ok(await dir.ListAsync(ct)));
        api.MapGet("/devices/{id}", async (string id, DeviceDirectory dir, CancellationToken ct) =>
            await dir.GetAsync(id, ct) is { } view ? ApiResults.Ok(view) : ApiResults.NotFound($"device '{id}' is not registered"));
    }
}
