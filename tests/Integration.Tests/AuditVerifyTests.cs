using Fleet.Cloud.Audit;
using Fleet.Shared.Audit;

namespace Fleet.Integration.Tests;

/// <summary>`fleet-edge audit verify` and `fleet-cloud audit verify` on tampered logs: exit 1, naming the first broken entry.</summary>
[Collection(SecondClusterCollection.Name)]
public sealed class AuditVerifyTests
{
    public static TheoryData<string, string, string> Tampering => new()
    {
        { "edge", "byte", "line 3 (seq 3): content does not match its hash" },
        { "edge", "remove", "line 3 (seq 4): seq 3 missing" },
        { "edge", "swap", "line 3 (seq 4): expected seq 3, which appears later" },
        { "cloud", "byte", "line 3 (seq 3): content does not match its hash" },
        { "cloud", "remove", "line 3 (seq 4): seq 3 missing" },
        { "cloud", "swap", "line 3 (seq 4): expected seq 3, which appears later" },
        { "cloud", "truncate", "signed head vouches for seq 6" },
    };

    [Theory]
    [MemberData(nameof(Tampering))]
    public async Task Verify_fails_and_names_the_entry(string node, string tamper, string expected)
    {
        using var tmp = new TempDir();
        var log = Path.Combine(tmp.Path, "audit.log");
        if (node == "cloud")
        {
            using var audit = new CloudAudit(tmp.Path);
            for (var i = 1; i <= 6; i++) audit.Record("operator", "kill", $"campaign:c{i}", "reason: test");
            audit.SignHead();
        }
        else
        {
            using var audit = AuditLog.Open(log);
            for (var i = 1; i <= 6; i++) audit.Append("policy", AuditCommands.Actions.ManifestSwap, $"campaign:c{i}", $"v{i}");
        }

        Assert.Equal(0, await VerifyAsync(node, tmp.Path, ok: true));

        var lines = File.ReadAllLines(log).ToList();
        switch (tamper)
        {
            case "byte": lines[2] = lines[2].Replace("campaign:c3", "campaign:c8"); break;
            case "remove": lines.RemoveAt(2); break;
            case "swap": (lines[2], lines[3]) = (lines[3], lines[2]); break;
            case "truncate": lines.RemoveAt(5); break;
        }
        File.WriteAllText(log, string.Join('\n', lines) + "\n");

        using var p = Verb(node, tmp.Path);
        Assert.Equal(1, await p.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        var error = Assert.Single(p.Lines, l => l.StartsWith("stderr:"));
        Assert.Contains(expected, error);
    }

    [Fact]
    public async Task Operator_actions_are_audited_and_listed()
    {
        using var tmp = new TempDir();
        await using (var cloud = await CloudUnderTest.StartAsync(await Databases.FreshAsync(Databases.Sqlite, tmp.Path), tmp.Sub("cloud")))
        {
            using var http = new HttpClient();
            http.DefaultRequestHeaders.Authorization = new("Bearer", "test-admin-token");
            var post = await http.PostAsync(cloud.Options.HttpUrl + "/api/v1/devices", new StringContent("{}"));
            var entries = await cloud.Api.GetAsync<List<AuditEntry>>("api/v1/audit");
            var entry = Assert.Single(entries);
            Assert.Equal(("admin", "post /api/v1/devices", $"status {(int)post.StatusCode}"), (entry.Actor, entry.Action, entry.Detail));
        }
        using var list = FleetProcess.Cloud("audit", "--file", Path.Combine(tmp.Sub("cloud"), "audit.log"), "--json");
        Assert.Equal(0, await list.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains(list.Lines, l => l.Contains("\"action\": \"post /api/v1/devices\""));
        Assert.True(File.Exists(Path.Combine(tmp.Sub("cloud"), CloudAudit.HeadFile)), "the head is signed at stop");
        Assert.Equal(0, await VerifyAsync("cloud", tmp.Sub("cloud"), ok: true));
    }

    private static FleetProcess Verb(string node, string dir) =>
        node == "cloud" ? FleetProcess.Cloud("audit", "verify", "--data", dir) : FleetProcess.Edge("audit", "verify", "--data", dir);

    private static async Task<int> VerifyAsync(string node, string dir, bool ok)
    {
        using var p = Verb(node, dir);
        var code = await p.WaitForExitAsync(TimeSpan.FromSeconds(30));
        if (ok) Assert.Contains(p.Lines, l => l.StartsWith("audit log OK"));
        return code;
    }
}
