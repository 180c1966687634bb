using System.Diagnostics;

namespace Fleet.Integration.Tests;

/// <summary>
/// What scripts rely on from the real programs: bad usage is exit 2 and one line <c>PROGRAM VERB: message</c> on stderr,
/// help exits 0, <c>--version</c> names the program.
/// </summary>
public sealed class CliUsageTests
{
    [Theory]
    [InlineData("edge", new[] { "agent", "--bogus", "1" }, "fleet-edge agent: unknown option --bogus")]
    [InlineData("edge", new[] { "agent", "--delegate-above-temp", "hot" }, "fleet-edge agent: --delegate-above-temp must be a non-negative integer, got 'hot'")]
    [InlineData("edge", new[] { "agent", "--join", "sideways" }, "fleet-edge agent: --join 'sideways': use gateway or member")]
    [InlineData("edge", new[] { "audit", "frob" }, "fleet-edge audit: unexpected 'frob'")]
    [InlineData("edge", new[] { "store" }, "fleet-edge store: name a subcommand: verify")]
    [InlineData("edge", new[] { "frob" }, "fleet-edge: unknown command 'frob'")]
    [InlineData("cloud", new[] { "campaign", "show", "Bad_Id" }, "fleet-cloud campaign: campaign id 'Bad_Id' is invalid")]
    [InlineData("cloud", new[] { "campaign", "review", "summer-sale", "two" }, "fleet-cloud campaign: campaign review: version 'two' is not a version number like 3")]
    [InlineData("cloud", new[] { "campaign", "budget", "summer-sale", "--device-jobs", "0" }, "fleet-cloud campaign: --device-jobs must be between 1 and 1000 (concurrent renders)")]
    [InlineData("cloud", new[] { "model", "quantize", "m.onnx", "--out", "o.onnx", "--bits", "9" }, "fleet-cloud model: --bits must be between 2 and 8 (weight bits)")]
    [InlineData("cloud", new[] { "model", "publish", "m.onnx", "--version", "1.0.0" }, "fleet-cloud model: missing required option --name")]
    [InlineData("cloud", new[] { "report", "campaign", "summer-sale", "--since", "a-while" }, "fleet-cloud report: --since 'a-while' is not a duration")]
    [InlineData("cloud", new[] { "report" }, "fleet-cloud report: name a subcommand: campaign")]
    [InlineData("cloud", new[] { "audit", "device" }, "fleet-cloud audit: audit device needs a device id")]
    [InlineData("cloud", new[] { "audit", "verify", "--file", "audit.log" }, "fleet-cloud audit: unknown option --file")]
    [InlineData("cloud", new[] { "kill", "engage", "--reason", "bad model" }, "fleet-cloud kill: missing required option --scope")]
    [InlineData("cloud", new[] { "kill", "engage", "--scope", "everything", "--reason", "x" }, "fleet-cloud kill: --scope 'everything'")]
    [InlineData("cloud", new[] { "kill", "status", "--timeout", "soon" }, "fleet-cloud kill: --timeout 'soon' is not a duration")]
    [InlineData("cloud", new[] { "rollout", "pause", "r-1" }, "fleet-cloud rollout: missing required option --reason")]
    [InlineData("cloud", new[] { "rollout", "start", "--artifact", "model:m@1.0.0", "--stages", "5,x" }, "fleet-cloud rollout: --stages: 'x' is not a number")]
    [InlineData("cloud", new[] { "devices", "show", "Bad_Id" }, "fleet-cloud devices: device id 'Bad_Id' is invalid")]
    [InlineData("cloud", new[] { "devices", "revoke" }, "fleet-cloud devices: missing ID")]
    [InlineData("cloud", new[] { "telemetry", "--since", "forever" }, "fleet-cloud telemetry: --since 'forever' is not a duration")]
    [InlineData("cloud", new[] { "renders", "--campaign", "Bad_Id" }, "fleet-cloud renders: campaign id 'Bad_Id' is invalid")]
    [InlineData("cloud", new[] { "agent", "--port", "x" }, "fleet-cloud agent: --port 'x' is not a port number")]
    [InlineData("cloud", new[] { "agent", "--device-cert-days", "0" }, "fleet-cloud agent: --device-cert-days must be between 1 and 3650")]
    [InlineData("bench", new[] { "render", "--bogus", "1" }, "fleet-bench render: unknown option --bogus")]
    [InlineData("bench", new[] { "gateway", "--devices", "0" }, "fleet-bench gateway: --devices must be between 1 and 60000")]
    [InlineData("bench", new[] { "kill", "--edges", "x" }, "fleet-bench kill: --edges must be a non-negative integer, got 'x'")]
    [InlineData("bench", new[] { "metrics", "now" }, "fleet-bench metrics: unexpected 'now'")]
    [InlineData("bench", new[] { "template", "--runs", "3" }, "fleet-bench template: missing required option --campaign")]
    [InlineData("bench", new[] { "soak", "--devices", "0" }, "fleet-bench soak: --devices must be between 1 and 50")]
    [InlineData("bench", new[] { "frob" }, "fleet-bench: unknown command 'frob'")]
    [InlineData("cloud", new[] { "keys", "revoke" }, "fleet-cloud keys: missing KID")]
    [InlineData("cloud", new[] { "keys", "frob" }, "fleet-cloud keys: unexpected 'frob'")]
    [InlineData("cloud", new[] { "tokens", "create" }, "fleet-cloud tokens: missing required option --role")]
    [InlineData("cloud", new[] { "tokens" }, "fleet-cloud tokens: name a subcommand: create, list, revoke")]
    [InlineData("cloud", new[] { "ca", "issue-node", "--name", "r", "--roles", "render", "--out", "x", "--days", "0" }, "fleet-cloud ca: --days must be between 1 and 3650 (days)")]
    [InlineData("cloud", new[] { "ca", "issue-node", "--name", "r", "--roles", "edge", "--out", "x" }, "fleet-cloud ca: --roles: unknown role 'edge'")]
    [InlineData("cloud", new[] { "enroll", "--device-id", "kiosk-1" }, "fleet-cloud enroll: pass exactly one of --out FILE (a bundle) or --code (a one-time code)")]
    [InlineData("cloud", new[] { "enroll", "--device-id", "kiosk-1", "--code", "--ttl", "soon" }, "fleet-cloud enroll: --ttl 'soon' is not a duration")]
    [InlineData("cloud", new[] { "enroll", "--device-id", "../x", "--code" }, "fleet-cloud enroll: device id '../x' is invalid")]
    [InlineData("cloud", new[] { "bench", "report", "--days", "0" }, "fleet-cloud bench: --days must be between 1 and 365")]
    [InlineData("cloud", new[] { "bench", "telemetry", "--devices", "many" }, "fleet-cloud bench: --devices must be a non-negative integer, got 'many'")]
    [InlineData("cloud", new[] { "bench" }, "fleet-cloud bench: name a subcommand: telemetry, report")]
    public async Task Bad_usage_is_exit_2_and_one_line(string program, string[] argv, string expected)
    {
        var (exit, stdout, stderr) = await RunAsync(program, argv);
        Assert.Equal(2, exit);
        Assert.Equal("", stdout);
        Assert.StartsWith(expected, Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
    }

    [Theory]
    [InlineData("edge", new[] { "--help" }, "agent")]
    [InlineData("edge", new[] { "agent", "--help" }, "--gateway <HOST:PORT>")]
    [InlineData("edge", new[] { "store", "verify", "-h" }, "--data <DIR>")]
    [InlineData("edge", new[] { "--version" }, "fleet-edge ")]
    [InlineData("cloud", new[] { "campaign", "publish", "--help" }, "--staged")]
    [InlineData("cloud", new[] { "campaign", "review", "-h" }, "--reject <VARIANT>")]
    [InlineData("cloud", new[] { "model", "publish", "--help" }, "--progress")]
    [InlineData("cloud", new[] { "model", "quantize", "--help" }, "--plan <PLAN>")]
    [InlineData("cloud", new[] { "report", "campaign", "--help" }, "--since <DURATION>")]
    [InlineData("cloud", new[] { "audit", "device", "-h" }, "--log <FILE>")]
    [InlineData("cloud", new[] { "--help" }, "FLEET_TOKEN")]
    [InlineData("cloud", new[] { "agent", "--help" }, "--roles <control,render,gateway>")]
    [InlineData("cloud", new[] { "kill", "status", "--help" }, "--watch")]
    [InlineData("cloud", new[] { "rollout", "start", "-h" }, "--gate <GATE>")]
    [InlineData("cloud", new[] { "devices", "--help" }, "--api <URL>")]
    [InlineData("cloud", new[] { "telemetry", "--help" }, "--since <DURATION>")]
    [InlineData("cloud", new[] { "renders", "show", "--help" }, "<JOB>")]
    [InlineData("cloud", new[] { "--version" }, "fleet-cloud ")]
    [InlineData("bench", new[] { "--help" }, "FLEET_CLOUD_DLL=PATH")]
    [InlineData("bench", new[] { "--help" }, "FLEET_EDGE_DLL=PATH")]
    [InlineData("bench", new[] { "gateway", "--help" }, "--parallel <N>")]
    [InlineData("bench", new[] { "kill", "-h" }, "--rotate")]
    [InlineData("bench", new[] { "soak", "--help" }, "--pg <CONNSTRING>")]
    [InlineData("bench", new[] { "template", "--help" }, "--campaign <DIR>")]
    [InlineData("cloud", new[] { "keys", "revoke", "--help" }, "<KID>")]
    [InlineData("cloud", new[] { "keys", "status", "--help" }, "--api <URL>")]
    [InlineData("cloud", new[] { "tokens", "create", "--help" }, "--role <viewer|operator|sre|device>")]
    [InlineData("cloud", new[] { "ca", "issue-node", "--help" }, "--host <H>")]
    [InlineData("cloud", new[] { "ca", "init", "-h" }, "--ca-key <PATH>")]
    [InlineData("cloud", new[] { "enroll", "--help" }, "--ttl <DURATION>")]
    [InlineData("cloud", new[] { "bench", "report", "--help" }, "--budget-ms <N>")]
    public async Task Help_and_version_exit_0(string program, string[] argv, string expected)
    {
        var (exit, stdout, stderr) = await RunAsync(program, argv);
        Assert.True(exit == 0, stderr);
        Assert.Contains(expected, stdout);
    }

    [Fact]
    public async Task A_failure_the_verb_expects_is_one_line_and_its_exit_code()
    {
        using var tmp = new TempDir();
        var (exit, _, stderr) = await RunAsync("edge", ["audit", "verify", "--data", tmp.Path, "--json"]);
        Assert.Equal(1, exit);
        Assert.Equal($"fleet-edge audit: no audit log at {Path.Combine(tmp.Path, "audit.log")}", stderr.Trim());
    }

    private static async Task<(int Exit, string Stdout, string Stderr)> RunAsync(string program, string[] argv)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(program switch { "cloud" => FleetProcess.CloudDll, "bench" => FleetProcess.BenchDll, _ => FleetProcess.EdgeDll });
        foreach (var a in argv) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await p.WaitForExitAsync(cts.Token);
        return (p.ExitCode, await stdout, await stderr);
    }
}
