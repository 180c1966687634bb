using System.CommandLine;
using System.Text.Json;
using Fleet.Cloud.Api;
using Fleet.Shared.Devices;
using Fleet.Shared.Serialization;

namespace Fleet.Cloud.Cli;

/// <summary><c>fleet-cloud devices [--json]</c> and <c>fleet-cloud devices show ID [--json]</c>: the device registry.</summary>
public static class DevicesVerb
{
    public static Command Create()
    {
        var showId = DeviceArgument("the device");
        var show = new Command("show", "one device: state, facts, tags, when it was last seen") { showId };
        show.SetAction(async (r, _) =>
        {
            using var api = ApiClient.From(r);
            var one = await api.GetAsync<DeviceReplies.DeviceView>($"api/v1/devices/{Uri.EscapeDataString(r.GetValue(showId).Value)}");
            Console.Write(r.GetValue(FleetCli.Json) ? Json(one) : Details(one));
            return 0;
        });

        var revokeId = DeviceArgument("the device to revoke");
        var revoke = new Command("revoke", "refuse its certificate, close its stream on every gateway, keep its record (role operator)") { revokeId };
        revoke.SetAction(async (r, _) =>
        {
            var id = r.GetValue(revokeId).Value;
            using var api = ApiClient.From(r);
            var revoked = await api.PostAsync<DeviceReplies.RevokeResult>($"api/v1/devices/{Uri.EscapeDataString(id)}/revoke", new { });
            Console.Write(r.GetValue(FleetCli.Json) ? Json(revoked)
                : $"device {id} revoked at {revoked.RevokedAt:u}: its stream is closed on every gateway and its certificate refused from now on; its record is kept\n");
            return 0;
        });

        var devices = new Command("devices", "list registered devices, 'devices show ID', 'devices revoke ID'") { show, revoke }.CallsApi();
        devices.SetAction(async (r, _) =>
        {
            using var api = ApiClient.From(r);
            var all = await api.GetAsync<List<DeviceReplies.DeviceView>>("api/v1/devices");
            Console.Write(r.GetValue(FleetCli.Json) ? Json(all) : Table(all));
            return 0;
        });
        return devices;
    }

    private static Argument<DeviceId> DeviceArgument(string description) => IdArguments.Argument<DeviceId>("ID", description);

    private static string Json(object o) => JsonSerializer.Serialize(o, FleetJson.Indented) + "\n";

    private static string Table(IReadOnlyList<DeviceReplies.DeviceView> devices)
    {
        if (devices.Count == 0) return "no devices registered\n";
        return TextTable.Render(
            new[] { "DEVICE", "STATE", "LAST SEEN", "ARCH", "CORES", "MEMORY", "ENCODERS", "VERSION", "TAGS" },
            devices.Select(d => (IReadOnlyList<string>)new[]
            {
                d.DeviceId, d.RevokedAt is null ? d.Connectivity.ToString().ToLowerInvariant() : "revoked", Ago(d.LastSeen), d.Facts!.Architecture,
                d.Facts.Cores.ToString(), $"{d.Facts.MemoryMb / 1024.0:0.#} GiB", List(d.Facts.Encoders),
                d.Facts.SoftwareVersion, string.Join(',', d.Facts.Tags.Select(t => $"{t.Key}={t.Value}")),
            })) + $"{devices.Count} device(s), {devices.Count(d => d.Connectivity == Connectivity.Up && d.RevokedAt is null)} up\n";
    }

    private static string Details(DeviceReplies.DeviceView d)
    {
        var f = d.Facts!;
        return $"""
            device        {d.DeviceId}
            state         {(d.RevokedAt is { } r ? $"revoked at {r:u}" : d.Connectivity.ToString().ToLowerInvariant())} ({d.Address ?? "no address"})
            registered    {d.RegisteredAt:u}
            last seen     {d.LastSeen:u} ({Ago(d.LastSeen)})
            host          {f.Hostname}, {f.Os}
            hardware      {f.Architecture}, {f.Cores} cores, {f.MemoryMb} MiB
            encoders      {List(f.Encoders)}
            onnx          {List(f.ExecutionProviders)}
            accelerator   {f.Accelerator ?? "unknown"} (chain {(f.AcceleratorChain is { } chain ? string.Join(",", chain) : "unknown")})
            version       {f.SoftwareVersion}
            tags          {string.Join(", ", f.Tags.Select(t => $"{t.Key}={t.Value}"))}

            """;
    }

    private static string List(IReadOnlyList<string> items) => items.Count == 0 ? "-" : string.Join(',', items);

    private static string Ago(DateTimeOffset? t)
    {
        if (t is null) return "never";
        var d = DateTimeOffset.UtcNow - t.Value;
        return d.TotalSeconds < 60 ? $"{Math.Max(0, d.TotalSeconds):0}s ago" : d.TotalMinutes < 60 ? $"{d.TotalMinutes:0}m ago" : $"{d.TotalHours:0}h ago";
    }
}
