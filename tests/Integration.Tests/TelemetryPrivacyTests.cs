using System.Text;
using Fleet.Cloud.Api;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Fleet.Integration.Tests;

/// <summary>An e-mail address used as a user id never leaves the device: not in the cloud's database, logs or API.</summary>
[Collection(SecondClusterCollection.Name)]
public sealed class TelemetryPrivacyTests
{
    private const string Email = "alice.private@example.com";

    [Theory]
    [InlineData(Databases.Sqlite)]
    [InlineData(Databases.Postgres)]
    public async Task An_email_as_user_id_appears_nowhere_in_the_cloud(string kind)
    {
        using var tmp = new TempDir();
        var db = await Databases.FreshAsync(kind, tmp.Path);
        var (port, http, edgeHttp) = (Ports.Free(), Ports.Free(), Ports.Free());
        var dbArg = kind == Databases.Sqlite ? "sqlite:" + Path.Combine(tmp.Path, "fleet.db") : "postgres:" + db.ConnectionString;
        using var cloud = FleetProcess.Cloud("agent", "--insecure-dev", "--port", $"{port}", "--http", $"{http}", "--data", tmp.Sub("cloud"), "--db", dbArg);
        using var edge = FleetProcess.Edge("agent", "--insecure-dev", "--seed", $"127.0.0.1:{port}", "--device-id", "kiosk-pii", "--data", tmp.Sub("edge"),
            "--http", $"{edgeHttp}", "--telemetry-seal", "1", "--telemetry-k", "1");
        await Eventually.Until(() => Task.FromResult(edge.Lines), l => l.Any(x => x.Contains("registered as kiosk-pii")), TimeSpan.FromSeconds(40), "registration");

        // The kiosk player reports with the raw id (hashed at the door); a buggy renderer passes it as the "hash".
        Assert.Equal(202, (int)(await TelemetryClient.PostEventAsync(edgeHttp, new { campaign_id = "summer-sale", variant_id = "h1", kind = "impression", user_id = Email })).StatusCode);
        Assert.Equal(202, (int)(await TelemetryClient.PostEventAsync(edgeHttp, new { campaign_id = "summer-sale", variant_id = "h1", kind = "click", user_id = Email })).StatusCode);
        Assert.Equal(400, (int)(await TelemetryClient.PostEventAsync(edgeHttp, new { campaign_id = Email, variant_id = "h1", kind = "click" })).StatusCode);
        await TelemetryClient.PostRendersAsync(edgeHttp, 3, userHash: Email);

        using var api = new ApiClient($"http://127.0.0.1:{http}", File.ReadAllText(Path.Combine(tmp.Sub("cloud"), AdminToken.FileName)).Trim());
        await Eventually.Until(() => TelemetryClient.ReportAsync(api), r => r.Campaigns.Sum(c => c.Renders) == 3 && r.Campaigns.Sum(c => c.Clicks) == 1,
            TimeSpan.FromSeconds(60), "renders and the click in the cloud");

        using var raw = new HttpClient();
        raw.DefaultRequestHeaders.Authorization = new("Bearer", File.ReadAllText(Path.Combine(tmp.Sub("cloud"), AdminToken.FileName)).Trim());
        foreach (var path in new[] { "api/v1/telemetry?since=1d", "api/v1/telemetry?device=kiosk-pii&since=1d", "api/v1/devices", "api/v1/audit", "metrics" })
            AssertClean(await raw.GetStringAsync($"http://127.0.0.1:{http}/{path}"), path);

        var journal = kind == Databases.Sqlite ? await SqliteJournalAsync(Path.Combine(tmp.Path, "fleet.db")) : await PostgresJournalAsync(db.ConnectionString);
        Assert.Contains("telemetry-batch-accepted.v1", journal); // the search really looked at the telemetry rows
        Assert.Contains("\"campaign_id\":\"summer-sale\"", journal); // ... and read their payloads as text
        AssertClean(journal, "journal tables");
        foreach (var file in Directory.EnumerateFiles(tmp.Path, "*", SearchOption.AllDirectories).Where(f => !f.Contains($"{Path.DirectorySeparatorChar}edge{Path.DirectorySeparatorChar}secrets")))
            AssertClean(Encoding.UTF8.GetString(await File.ReadAllBytesAsync(file)), file);

        cloud.Terminate();
        edge.Terminate();
        await cloud.WaitForExitAsync(TimeSpan.FromSeconds(20));
        await edge.WaitForExitAsync(TimeSpan.FromSeconds(20));
        AssertClean(string.Join('\n', cloud.Lines), "cloud log");
        AssertClean(string.Join('\n', edge.Lines), "device log");
    }

    private static void AssertClean(string text, string where)
    {
        Assert.False(text.Contains(Email, StringComparison.OrdinalIgnoreCase), $"the e-mail leaked into {where}");
        Assert.False(text.Contains("alice.private", StringComparison.OrdinalIgnoreCase), $"part of the e-mail leaked into {where}");
    }

    /// <summary>Event payloads are stored as bytes (UTF-8 JSON): search them as text.</summary>
    private static string Text(object? value) => value switch { null => "", byte[] b => Encoding.UTF8.GetString(b), _ => value.ToString() ?? "" };

    private static async Task<string> SqliteJournalAsync(string path)
    {
        await using var conn = new SqliteConnection($"Data Source={path}");
        await conn.OpenAsync();
        var sb = new StringBuilder();
        foreach (var sql in new[] { "SELECT * FROM journal", "SELECT * FROM tags" })
        {
            await using var cmd = new SqliteCommand(sql, conn);
            await using var r = await cmd.ExecuteReaderAsync();
            while (await r.ReadAsync()) for (var i = 0; i < r.FieldCount; i++) sb.Append(Text(r.IsDBNull(i) ? null : r.GetValue(i))).Append('|');
        }
        return sb.ToString();
    }

    private static async Task<string> PostgresJournalAsync(string connStr)
    {
        await using var conn = new NpgsqlConnection(connStr);
        await conn.OpenAsync();
        var sb = new StringBuilder();
        foreach (var sql in new[] { "SELECT * FROM journal", "SELECT * FROM tags" })
        {
            await using var cmd = new NpgsqlCommand(sql, conn);
            await using var r = await cmd.ExecuteReaderAsync();
            while (await r.ReadAsync()) for (var i = 0; i < r.FieldCount; i++) sb.Append(Text(r.IsDBNull(i) ? null : r.GetValue(i))).Append('|');
        }
        return sb.ToString();
    }
}
