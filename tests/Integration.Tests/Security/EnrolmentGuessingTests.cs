using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using Fleet.Cloud.Enrolment;
using Fleet.Shared.Audit;
using Fleet.Shared.Enrolment;
using Fleet.Shared.Serialization;
using Microsoft.Data.Sqlite;

namespace Fleet.Integration.Tests.Security;

/// <summary>Guessing enrolment codes against a real cloud: refused before the fleet CA signs, then rate-limited, and no trace kept.</summary>
[Collection(SecondClusterCollection.Name)]
public sealed class EnrolmentGuessingTests
{
    private const string WrongCode = "enrolment code is unknown or already used";

    [Fact]
    public async Task A_thousand_wrong_codes_are_refused_then_rate_limited_persist_nothing_and_a_good_code_from_elsewhere_still_enrols()
    {
        using var tmp = new TempDir();
        using var fleet = await SecureFleet.StartAsync(tmp);
        var good = await fleet.IssueCodeAsync("kiosk-good", "15m");
        var pin = fleet.Ca.Fingerprint[..EnrolmentCode.PinLength];
        var csr = Csr("probe");

        // 1,000 guesses at 50 device ids nobody enrolled, 50 at a time, all from one address.
        using var attacker = From("127.0.0.1");
        var clock = Stopwatch.StartNew();
        var answers = new List<Answer>();
        for (var batch = 0; batch < 20; batch++)
            answers.AddRange(await Task.WhenAll(Enumerable.Range(batch * 50, 50)
                .Select(i => RedeemAsync(attacker, fleet, $"probe-{i % 50:00}.{i:x12}.{pin}", csr))));
        clock.Stop();
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"1,000 attempts took {clock.Elapsed}");
        Assert.All(answers, a => Assert.True(a.Status is HttpStatusCode.Forbidden or HttpStatusCode.TooManyRequests, a.ToString()));
        Assert.Equal(RedeemLimits.Default.PerClient, answers.Count(a => a.Status == HttpStatusCode.Forbidden));
        Assert.All(answers.Skip(50), a => Assert.Equal(HttpStatusCode.TooManyRequests, a.Status)); // after the first burst nothing gets through
        Assert.All(answers.Where(a => a.Status == HttpStatusCode.Forbidden), a => Assert.Equal(WrongCode, a.Error));
        Assert.All(answers.Where(a => a.Status == HttpStatusCode.TooManyRequests), a =>
        {
            Assert.StartsWith("too many enrolment attempts from 127.0.0.1; try again in", a.Error);
            Assert.InRange(a.RetryAfter!.Value, TimeSpan.FromSeconds(1), RedeemLimits.Default.ClientWindow);
        });

        // Slower guessing from another address runs into the limit of the device id itself.
        using var patient = From("127.0.0.3");
        var solo = new List<Answer>();
        for (var i = 0; i < 6; i++) solo.Add(await RedeemAsync(patient, fleet, $"probe-solo.{i:x12}.{pin}", csr));
        Assert.Equal(Enumerable.Repeat(HttpStatusCode.Forbidden, 5).Append(HttpStatusCode.TooManyRequests), solo.Select(a => a.Status));
        Assert.StartsWith("too many enrolment attempts for device 'probe-solo'", solo[5].Error);
        Assert.InRange(solo[5].RetryAfter!.Value, RedeemLimits.Default.DeviceWindow - TimeSpan.FromMinutes(1), RedeemLimits.Default.DeviceWindow);

        Assert.DoesNotContain(await fleet.DevicesAsync(), d => d.DeviceId.StartsWith("probe-", StringComparison.Ordinal));
        Assert.Equal(0, await JournalRowsAsync(fleet, "device-probe-%"));
        Assert.True(await JournalRowsAsync(fleet, "device-kiosk-good") > 0, "the journal read is real: the issued code is in it");
        Assert.Empty(await SignedAsync(fleet));

        // The device with the real code, from its own address, enrols while the attacker is still held off.
        using var device = From("127.0.0.2");
        var ok = await RedeemAsync(device, fleet, good, Csr("kiosk-good"));
        Assert.True(ok.Status == HttpStatusCode.OK, ok.ToString());
        Assert.Equal("kiosk-good", EnrolmentBundle.Parse(ok.Body, "redeem").DeviceId);
        Assert.Equal("kiosk-good", Assert.Single(await SignedAsync(fleet)).Subject);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await RedeemAsync(attacker, fleet, $"probe-00.{0:x12}.{pin}", csr)).Status);
    }

    [Fact]
    public async Task A_wrong_or_used_code_never_reaches_the_fleet_ca()
    {
        using var tmp = new TempDir();
        using var fleet = await SecureFleet.StartAsync(tmp);
        var good = await fleet.IssueCodeAsync("kiosk-ca", "15m");
        var wrong = $"kiosk-ca.{new string('0', 12)}.{fleet.Ca.Fingerprint[..EnrolmentCode.PinLength]}";
        using var http = From("127.0.0.1");

        // The code is checked before the CSR is even read: a wrong code with garbage for a CSR is a 403, not a 400.
        var garbage = await RedeemAsync(http, fleet, wrong, "not a certificate signing request");
        Assert.Equal((HttpStatusCode.Forbidden, WrongCode), (garbage.Status, garbage.Error));
        Assert.Equal(HttpStatusCode.Forbidden, (await RedeemAsync(http, fleet, wrong, Csr("kiosk-ca"))).Status);
        Assert.Empty(await SignedAsync(fleet));

        var ok = await RedeemAsync(http, fleet, good, Csr("kiosk-ca"));
        Assert.True(ok.Status == HttpStatusCode.OK, ok.ToString());
        using var cert = X509Certificate2.CreateFromPem(EnrolmentBundle.Parse(ok.Body, "redeem").CertificatePem);
        var used = await RedeemAsync(http, fleet, good, Csr("kiosk-ca"));
        Assert.Equal((HttpStatusCode.Forbidden, WrongCode), (used.Status, used.Error));

        // One code, one signature: the refused reuse was turned away before the CA, not signed and thrown away.
        var signed = Assert.Single(await SignedAsync(fleet));
        Assert.Equal(("fleet-ca", "kiosk-ca"), (signed.Actor, signed.Subject));
        Assert.Contains($"serial {cert.SerialNumber}", signed.Detail);
    }

    private sealed record Answer(HttpStatusCode Status, string Body, TimeSpan? RetryAfter)
    {
        public string? Error => Body.StartsWith('{') && JsonDocument.Parse(Body).RootElement.TryGetProperty("error", out var e) ? e.GetString() : null;
        public override string ToString() => $"{(int)Status} {Body}";
    }

    private static async Task<Answer> RedeemAsync(HttpClient http, SecureFleet fleet, string code, string csrPem)
    {
        var body = JsonSerializer.Serialize(new RedeemRequest(code, csrPem), FleetJson.Options);
        using var response = await http.PostAsync(fleet.Api + EnrolmentEndpoints.RedeemPath, new StringContent(body, Encoding.UTF8, "application/json"));
        return new Answer(response.StatusCode, await response.Content.ReadAsStringAsync(), response.Headers.RetryAfter?.Delta);
    }

    private static string Csr(string name)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        return new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256).CreateSigningRequestPem();
    }

    /// <summary>
    /// An HTTP client whose connections come from <paramref name="source"/>: every 127.x address is loopback on Linux,
    /// so the cloud sees separate clients the way it would see separate hosts.
    /// </summary>
    private static HttpClient From(string source) => new(new SocketsHttpHandler
    {
        ConnectCallback = async (ctx, ct) =>
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                socket.Bind(new IPEndPoint(IPAddress.Parse(source), 0));
                await socket.ConnectAsync(ctx.DnsEndPoint, ct);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        },
    }) { Timeout = TimeSpan.FromSeconds(30) };

    /// <summary>Rows in the cloud's own journal (SQLite in its data folder) for persistence ids like <paramref name="pattern"/>.</summary>
    private static async Task<long> JournalRowsAsync(SecureFleet fleet, string pattern)
    {
        await using var conn = new SqliteConnection($"Data Source={Path.Combine(fleet.CloudData, "fleet.db")};Mode=ReadOnly");
        await conn.OpenAsync();
        await using var cmd = new SqliteCommand("SELECT COUNT(*) FROM journal WHERE persistence_id LIKE $p", conn);
        cmd.Parameters.AddWithValue("$p", pattern);
        return (long)(await cmd.ExecuteScalarAsync())!;
    }

    /// <summary>The audit log's record of device certificates the fleet CA signed.</summary>
    private static async Task<List<AuditEntry>> SignedAsync(SecureFleet fleet)
    {
        using var api = fleet.Client();
        return (await api.GetAsync<List<AuditEntry>>("api/v1/audit")).Where(e => e.Action == EnrolmentService.CertificateSignedAction).ToList();
    }
}
