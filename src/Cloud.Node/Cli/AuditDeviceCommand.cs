using System.CommandLine;
using System.Text.Json;
using Fleet.Cloud.Api;
using Fleet.Cloud.Audit;
using Fleet.Shared.Audit;
using Fleet.Shared.Serialization;

namespace Fleet.Cloud.Cli;

/// <summary>
/// <c>fleet-cloud audit device ID [--log FILE]</c>: the signed audit chain heads a device uploaded and whether they
/// verify; with a copy of the device's <c>audit.log</c>, whether that log is the one the device signed, and where not.
/// Exit 0 when everything verifies, 1 otherwise.
/// </summary>
public static class AuditDeviceCommand
{
    public sealed record Report(DeviceAuditEndpoints.DeviceAuditView Device, AuditVerification? Log);

    public static Command Create()
    {
        // Optional so that a missing id gets the line naming the command's shape, not a generic one.
        var id = new Argument<string?>("ID") { Description = "the device id", Arity = ArgumentArity.ZeroOrOne };
        var log = CliOption.Text("--log", "a copy of the device's <data>/audit.log: check its chain against the signed heads", "FILE");
        var device = new Command("device", "the audit chain heads a device signed and uploaded, and whether they verify") { id, log }
            .WithDetails("""
                Shows the audit chain heads the device signed and uploaded, each signature checked, and any rewrite the
                cloud caught; --log FILE checks that log's chain against those heads and names the entry where it
                diverges. Exits 1 when anything does not verify.
                """);
        device.SetAction((r, _) => r.GetValue(id) is { } deviceId
            ? RunAsync(r, IdArguments.Parse<Fleet.Shared.Devices.DeviceId>(deviceId).Value, r.GetValue(log))
            : throw new UsageException("audit device needs a device id: fleet-cloud audit device ID [--log FILE]"));
        return device;
    }

    private static async Task<int> RunAsync(ParseResult r, string deviceId, string? logFile)
    {
        var log = logFile is { } file ? Path.GetFullPath(file) : null;
        if (log is not null && !File.Exists(log)) throw new FleetException($"audit log {log} does not exist");
        using var api = ApiClient.From(r);
        var view = await api.GetAsync<DeviceAuditEndpoints.DeviceAuditView>($"api/v1/devices/{Uri.EscapeDataString(deviceId)}/audit");
        var checkedLog = log is null ? null : AuditLog.VerifyFile(log, view.TrustedHeads());
        var ok = view.Verified && checkedLog?.IsValid != false;
        if (r.GetValue(FleetCli.Json)) Console.WriteLine(JsonSerializer.Serialize(new Report(view, checkedLog), FleetJson.Indented));
        else Console.Write(Text(view, checkedLog, log));
        if (!ok) Console.Error.WriteLine(FirstProblem(view, checkedLog));
        return ok ? 0 : 1;
    }

    private static string Text(DeviceAuditEndpoints.DeviceAuditView v, AuditVerification? log, string? path)
    {
        var heads = TextTable.Render(new[] { "SEQ", "HASH", "SIGNED AT", "RECEIVED AT", "CERTIFICATE", "SIGNATURE" },
            v.Heads.Select(h => (IReadOnlyList<string>)new[] { h.Seq.ToString(), h.Hash[..16] + "…", h.At.ToString("u"), h.ReceivedAt.ToString("u"), h.CertificateSerial, h.SignatureValid ? "ok" : "BAD" }));
        var rewrites = string.Concat(v.Rewrites.Select(r => $"REWRITE caught {r.At:u}: {r.Reason}\n"));
        var summary = $"device {v.DeviceId}: {v.Heads.Count} signed head(s), {(v.Verified ? "all verify" : "NOT verified")}\n";
        var logLine = log is null ? "" : $"{path}: {log} (checked against {v.Heads.Count(h => h.SignatureValid)} signed head(s))\n";
        return heads + rewrites + summary + logLine;
    }

    private static string FirstProblem(DeviceAuditEndpoints.DeviceAuditView v, AuditVerification? log) =>
        v.Rewrites.FirstOrDefault() is { } r ? $"device {v.DeviceId}: rewritten chain caught at seq {r.Seq}: {r.Reason}"
        : v.Heads.FirstOrDefault(h => !h.SignatureValid) is { } bad ? $"device {v.DeviceId}: the signature of head seq {bad.Seq} does not verify"
        : log!.ToString();
}
