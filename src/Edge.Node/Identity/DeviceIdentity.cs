using System.Text.Json;
using Fleet.Shared.Cli;
using Fleet.Shared.IO;
using Fleet.Shared.Serialization;

namespace Fleet.Edge.Identity;

/// <summary>
/// Who this device is, kept in <c>&lt;data&gt;/device.json</c>: the device id (created on first start unless given) and
/// an installation id that tells the cloud a restart of this device from a copy of its id on another machine.
/// </summary>
public sealed record DeviceIdentity(string DeviceId, string InstallationId, DateTimeOffset CreatedAt)
{
    public const string FileName = "device.json";

    public static DeviceIdentity LoadOrCreate(string dataDir, string? requestedId)
    {
        if (requestedId is not null) IdArguments.Parse<Fleet.Shared.Devices.DeviceId>(requestedId);
        var path = Path.Combine(dataDir, FileName);
        DeviceIdentity? stored = null;
        if (File.Exists(path))
        {
            try
            {
                stored = JsonSerializer.Deserialize<DeviceIdentity>(File.ReadAllText(path), FleetJson.Options);
            }
            catch (JsonException e)
            {
                throw new FleetException($"{path} is not valid JSON ({e.Message}); restore it or remove it to enrol as a new device");
            }
            if (stored is null || !Fleet.Shared.Devices.DeviceId.IsValid(stored.DeviceId) || string.IsNullOrEmpty(stored.InstallationId))
                throw new FleetException($"{path} does not hold a valid device identity");
        }
        if (stored is not null && (requestedId is null || requestedId == stored.DeviceId)) return stored;

        // A new id (first start, or --device-id renamed this device) keeps the installation: it is the same machine.
        var identity = new DeviceIdentity(
            requestedId ?? Fleet.Shared.Devices.DeviceId.New().Value,
            stored?.InstallationId ?? Guid.NewGuid().ToString("N"),
            stored?.CreatedAt ?? DateTimeOffset.UtcNow);
        PrivateFile.WriteNew(path, JsonSerializer.Serialize(identity, FleetJson.Indented));
        return identity;
    }
}
