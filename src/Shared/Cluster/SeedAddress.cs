using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Fleet.Shared.Cli;

namespace Fleet.Shared.Cluster;

/// <summary>A seed as the operator wrote it: <c>akka.tcp://fleet@HOST:PORT</c> or <c>HOST:PORT</c>; HOST may be a DNS name.</summary>
public sealed partial record SeedAddress(string Host, int Port)
{
    [GeneratedRegex(@"^(?:akka(?:\.ssl)?\.tcp://(?<sys>[A-Za-z0-9_-]+)@)?(?<host>[A-Za-z0-9._-]+|\[[0-9A-Fa-f:]+\]):(?<port>\d{1,5})/?$")]
    private static partial Regex Pattern();

    public static SeedAddress Parse(string text)
    {
        var m = Pattern().Match(text.Trim());
        if (!m.Success)
            throw new UsageException($"seed '{text}' is not akka.tcp://{FleetCluster.SystemName}@HOST:PORT or HOST:PORT");
        if (m.Groups["sys"].Success && m.Groups["sys"].Value != FleetCluster.SystemName)
            throw new UsageException($"seed '{text}' names actor system '{m.Groups["sys"].Value}', expected '{FleetCluster.SystemName}'");
        var port = int.Parse(m.Groups["port"].Value);
        if (port is < 1 or > 65535) throw new UsageException($"seed '{text}' has port {port} outside 1..65535");
        return new SeedAddress(m.Groups["host"].Value.Trim('[', ']'), port);
    }

    /// <summary>Resolves the host anew (a DNS name may point elsewhere after a restart) into Akka addresses.</summary>
    public async Task<IReadOnlyList<string>> ResolveAsync(CancellationToken ct)
    {
        if (IPAddress.TryParse(Host, out var ip)) return new[] { Format(ip.ToString()) };
        if (Host == "localhost") return new[] { Format("127.0.0.1") };
        var addresses = await Dns.GetHostAddressesAsync(Host, ct);
        return addresses.Where(a => a.AddressFamily is AddressFamily.InterNetwork or AddressFamily.InterNetworkV6)
            .Select(a => Format(a.ToString())).Distinct().ToList();
    }

    private string Format(string host) =>
        $"akka.tcp://{FleetCluster.SystemName}@{(host.Contains(':') ? $"[{host}]" : host)}:{Port}";

    public override string ToString() => $"{Host}:{Port}";
}
