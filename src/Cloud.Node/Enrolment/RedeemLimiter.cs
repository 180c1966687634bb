using System.Net;
using System.Net.Sockets;

namespace Fleet.Cloud.Enrolment;

/// <summary>How many failed code redeems a device id and a client address get per window.</summary>
public sealed record RedeemLimits(int PerDevice, TimeSpan DeviceWindow, int PerClient, TimeSpan ClientWindow)
{
    /// <summary>
    /// A device enrolling for real needs one attempt, two with a typo. Five guesses per 15 minutes at a 48-bit secret is
    /// no search at all; 30 a minute per address leaves room for a provisioning bench behind one NAT.
    /// </summary>
    public static readonly RedeemLimits Default = new(5, TimeSpan.FromMinutes(15), 30, TimeSpan.FromMinutes(1));
}

/// <summary>A redeem attempt turned away before anything is asked or signed: why, and when to try again.</summary>
public sealed record RedeemThrottled(string Reason, TimeSpan RetryAfter);

/// <summary>
/// Fixed-window counters of redeem attempts per device id and per client address (this API node's memory; every node
/// counts its own). An attempt is counted when it is admitted, so a burst of parallel guesses cannot all pass before the
/// first has failed, and given back when it succeeds, so only failures use up a limit.
/// </summary>
public sealed class RedeemLimiter(RedeemLimits limits, TimeProvider clock)
{
    /// <summary>Expired windows are dropped at most this often, so guessed ids do not pile up in memory.</summary>
    private static readonly TimeSpan SweepInterval = TimeSpan.FromMinutes(1);

    private readonly Dictionary<string, Window> _devices = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Window> _clients = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private DateTimeOffset _lastSweep = DateTimeOffset.MinValue;

    private readonly record struct Window(DateTimeOffset Ends, int Attempts);

    /// <summary>
    /// Null when the attempt may go ahead (it is counted), else why not and for how long. <paramref name="deviceId"/>
    /// is null when the code does not even parse: such an attempt counts against its client only.
    /// </summary>
    public RedeemThrottled? Admit(string? deviceId, string client)
    {
        lock (_gate)
        {
            var now = clock.GetUtcNow();
            Sweep(now);
            var byClient = Current(_clients, client, now, limits.ClientWindow);
            if (byClient.Attempts >= limits.PerClient)
                return Throttled($"too many enrolment attempts from {client}", byClient.Ends - now);
            var byDevice = deviceId is null ? default : Current(_devices, deviceId, now, limits.DeviceWindow);
            if (deviceId is not null && byDevice.Attempts >= limits.PerDevice)
                return Throttled($"too many enrolment attempts for device '{deviceId}'", byDevice.Ends - now);
            _clients[client] = byClient with { Attempts = byClient.Attempts + 1 };
            if (deviceId is not null) _devices[deviceId] = byDevice with { Attempts = byDevice.Attempts + 1 };
            return null;
        }
    }

    /// <summary>A redeem that worked gives its attempt back.</summary>
    public void Succeeded(string? deviceId, string client)
    {
        lock (_gate)
        {
            GiveBack(_clients, client);
            if (deviceId is not null) GiveBack(_devices, deviceId);
        }
    }

    /// <summary>An operator issued the device a new code: earlier guesses at its id no longer lock it out.</summary>
    public void Forget(string deviceId)
    {
        lock (_gate) _devices.Remove(deviceId);
    }

    /// <summary>
    /// The key an address is counted under: IPv4 as is (IPv4-mapped IPv6 included), IPv6 by its /64, since one host
    /// commonly holds a whole /64 and could otherwise take a fresh address for every guess.
    /// </summary>
    public static string ClientOf(IPAddress? address)
    {
        if (address is null) return "unknown";
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        if (address.AddressFamily != AddressFamily.InterNetworkV6) return address.ToString();
        var bytes = address.GetAddressBytes();
        Array.Clear(bytes, 8, 8);
        return new IPAddress(bytes) + "/64";
    }

    private static Window Current(Dictionary<string, Window> windows, string key, DateTimeOffset now, TimeSpan length) =>
        windows.TryGetValue(key, out var w) && now < w.Ends ? w : new Window(now + length, 0);

    private static void GiveBack(Dictionary<string, Window> windows, string key)
    {
        if (windows.TryGetValue(key, out var w) && w.Attempts > 0) windows[key] = w with { Attempts = w.Attempts - 1 };
    }

    private void Sweep(DateTimeOffset now)
    {
        if (now - _lastSweep < SweepInterval) return;
        _lastSweep = now;
        foreach (var windows in new[] { _clients, _devices })
            foreach (var key in windows.Where(kv => kv.Value.Ends <= now).Select(kv => kv.Key).ToList())
                windows.Remove(key);
    }

    /// <summary>Retry-After is whole seconds and at least one.</summary>
    private static RedeemThrottled Throttled(string what, TimeSpan wait)
    {
        var seconds = TimeSpan.FromSeconds(Math.Max(1, Math.Ceiling(wait.TotalSeconds)));
        return new RedeemThrottled($"{what}; try again in {seconds.TotalSeconds:0} s", seconds);
    }
}
