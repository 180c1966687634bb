using System.Text.Json;
using Fleet.Cloud.Api;
using Fleet.Cloud.Enrolment;
using Fleet.Shared.Devices;
using Fleet.Shared.Enrolment;
using Fleet.Shared.IO;
using Fleet.Shared.Serialization;

namespace Fleet.Cloud.Cli;

/// <summary><c>fleet-cloud enroll</c>: an enrolment bundle for one device (written mode 600), or a one-time code.</summary>
public static class EnrollVerb
{
    public static readonly Verb Verb = new("enroll", "enrol a device: a bundle file (--out) or a one-time code (--code)", RunAsync);

    private const string Usage = """
        usage: fleet-cloud enroll --device-id ID [--tags k=v,...] --out FILE [--seed HOST:PORT]... [--bundle-api URL]
               fleet-cloud enroll --device-id ID [--tags k=v,...] --code [--ttl 15m] [--json]
               (both take --api URL --token TOKEN --data DIR like every operator verb)
          --out writes the device's certificate and key, the fleet CA, seeds and API URL to FILE (mode 600); copy it to
          the device and run 'fleet-edge enroll --bundle FILE'. --code prints a short-lived one-time code instead, which
          the device exchanges itself: 'fleet-edge enroll --code CODE --api URL' (its key never leaves the device).
        """;

    private static async Task<int> RunAsync(IReadOnlyList<string> argv)
    {
        var a = CommandArgs.Parse(argv, "code");
        if (a.Flag("help")) { Console.WriteLine(Usage); return 0; }
        a.RejectUnknown(ApiClient.Options.Concat(new[] { "device-id", "tags", "out", "seed", "bundle-api", "code", "ttl" }).ToArray());
        var id = IdArguments.Parse<DeviceId>(a.Required("device-id")).Value;
        var tags = TagText.Parse(a.Get("tags"));
        var code = a.Flag("code");
        var outFile = a.Get("out");
        if (code == (outFile is not null)) throw new UsageException("pass exactly one of --out FILE (a bundle) or --code (a one-time code)");
        using var api = ApiClient.From(a);
        if (code)
        {
            var ttl = ParseTtl(a.Get("ttl", "15m"));
            var view = await api.PostAsync<EnrolmentCodeView>("api/v1/enrolments", new EnrolRequest(id, tags, true, (int)ttl.TotalSeconds, null, null));
            Console.WriteLine(a.Flag("json") ? JsonSerializer.Serialize(view, FleetJson.Indented)
                : $"enrolment code for {id} (one use, expires {view.ExpiresAt:u}):\n{view.Code}\non the device: fleet-edge enroll --code {view.Code} --api {api.BaseUrl}");
            return 0;
        }
        var seeds = a.GetAll("seed").Select(s => Fleet.Shared.Cluster.SeedAddress.Parse(s).ToString()).ToList();
        var bundle = await api.PostAsync<EnrolmentBundle>("api/v1/enrolments", new EnrolRequest(id, tags, false, null, seeds, a.Get("bundle-api")));
        var path = Path.GetFullPath(outFile!);
        PrivateFile.WriteNew(path, bundle.ToJson());
        Console.WriteLine(a.Flag("json") ? JsonSerializer.Serialize(new { device_id = id, bundle = path }, FleetJson.Indented)
            : $"enrolment bundle for {id} written to {path} (mode 600, holds the device key: copy it to the device, then delete it)");
        return 0;
    }


    private static TimeSpan ParseTtl(string raw) =>
        Durations.Parse(raw) is { } ttl && ttl > TimeSpan.Zero ? ttl : throw new UsageException($"--ttl '{raw}' is not a duration like 90s, 15m or 24h");
}
