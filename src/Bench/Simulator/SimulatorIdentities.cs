using System.Diagnostics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Fleet.Shared.Security.Pki;

namespace Fleet.Bench.Simulator;

/// <summary>
/// A bench fleet CA and one certificate per simulated device, kept in a folder between runs: issuing costs about a
/// millisecond per device, loading a tenth of that. <c>ca/ca.key</c> is what the throwaway cloud runs with
/// (<c>--ca-key</c>); <c>devices.tsv</c> holds "id, certificate, key" per line, after a header naming the CA.
/// </summary>
public static class SimulatorIdentities
{
    public const string Prefix = "sim-";
    private const string DevicesFile = "devices.tsv";
    private static readonly TimeSpan Lifetime = TimeSpan.FromDays(365);
    /// <summary>Certificates that expire sooner than this are issued again.</summary>
    private static readonly TimeSpan Margin = TimeSpan.FromDays(7);

    /// <summary>The default folder: under the temp folder, shared by every run on this machine.</summary>
    public static string DefaultDir => Path.Combine(Path.GetTempPath(), "fleet-bench-gateway");

    public static string CaKeyPath(string dir) => Path.Combine(dir, "ca", FleetCa.KeyFile);

    public static string DeviceIdOf(int n) => $"{Prefix}{n:D5}";

    /// <summary>What the cache held and what was issued now, for the benchmark's first line.</summary>
    public sealed record Loaded(IReadOnlyList<X509Certificate2> Certificates, X509Certificate2 Ca, int Issued, double Seconds);

    /// <summary>The first <paramref name="count"/> device certificates (ids <c>sim-00001</c> …), issuing what the folder lacks.</summary>
    public static Loaded LoadOrIssue(string dir, int count)
    {
        var sw = Stopwatch.StartNew();
        Directory.CreateDirectory(dir);
        // Two benchmarks at once must not both append to the same file.
        using var exclusive = new FileStream(Path.Combine(dir, ".lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        var keyPath = CaKeyPath(dir);
        using var ca = File.Exists(keyPath) ? FleetCa.Load(keyPath) : FleetCa.Create(keyPath, "Fleet bench CA");
        var path = Path.Combine(dir, DevicesFile);
        var header = $"# ca {ca.Fingerprint}";
        var lines = File.Exists(path) ? File.ReadAllLines(path) : Array.Empty<string>();
        var certificates = new List<X509Certificate2>(count);
        if (lines.Length > 0 && lines[0] == header)
        {
            foreach (var line in lines.Skip(1).Take(count))
            {
                var cert = Read(line);
                if (cert.NotAfter.ToUniversalTime() < DateTime.UtcNow + Margin || FleetCertificates.DeviceIdOf(cert) != DeviceIdOf(certificates.Count + 1))
                {
                    cert.Dispose();
                    break;
                }
                certificates.Add(cert);
            }
        }
        var kept = certificates.Count;
        if (kept < count)
        {
            using var writer = new StreamWriter(path, append: false);
            writer.WriteLine(header);
            foreach (var line in lines.Skip(1).Take(kept)) writer.WriteLine(line);
            for (var n = kept + 1; n <= count; n++)
            {
                var (cert, line) = Issue(ca, DeviceIdOf(n));
                certificates.Add(cert);
                writer.WriteLine(line);
            }
        }
        return new Loaded(certificates, X509CertificateLoader.LoadCertificate(ca.Certificate.RawData), count - kept, sw.Elapsed.TotalSeconds);
    }

    /// <summary>A key made here and a certificate over it, without the PKCS#12 round trip (Linux TLS takes the pair as is).</summary>
    private static (X509Certificate2 Certificate, string Line) Issue(FleetCa ca, string deviceId)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var cert = ca.IssueDevice(deviceId, new PublicKey(key), Lifetime);
        var line = $"{deviceId}\t{Convert.ToBase64String(cert.RawData)}\t{Convert.ToBase64String(key.ExportPkcs8PrivateKey())}";
        return (cert.CopyWithPrivateKey(key), line);
    }

    private static X509Certificate2 Read(string line)
    {
        var parts = line.Split('\t');
        using var cert = X509CertificateLoader.LoadCertificate(Convert.FromBase64String(parts[1]));
        using var key = ECDsa.Create();
        key.ImportPkcs8PrivateKey(Convert.FromBase64String(parts[2]), out _);
        return cert.CopyWithPrivateKey(key);
    }
}
