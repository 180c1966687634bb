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

    public static async Task<int> RunAsync(CommandArgs a, string deviceId)
    {
        a.RejectUnknown([.. ApiClient.Options, "log"]);
        var log = a.Get("log") is { } file ? Path.GetFullPath(file) : null;
        if (log is not null && !File.Exists(log)) throw new FleetException($"audit log {log} does not exist");
        using var api = ApiClient.From(a);
        var view = await api.GetAsync<DeviceAuditEndpoints.DeviceAuditView>($"api/v1/devices/{Uri.EscapeDataString(deviceId)}/audit");
        var checkedLog = log is null ? null : AuditLog.VerifyFile(log, view.TrustedHeads());
        var ok = view.Verified && checkedLog?.IsValid != false;
        if (a.Flag("json")) Console.WriteLine(JsonSerializer.Serialize(new Report(view, checkedLog), FleetJson.Indented));
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
