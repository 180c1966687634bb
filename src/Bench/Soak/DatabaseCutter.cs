using System.Net;
using System.Net.Sockets;

namespace Fleet.Bench.Soak;

/// <summary>
/// A TCP proxy between the control nodes and PostgreSQL that can cut the database off: <see cref="CutAsync"/> drops
/// every open connection and refuses new ones until the cut ends, as a network partition to the database would (no
/// root or iptables needed: the nodes only know the proxy's port).
/// </summary>
public sealed class DatabaseCutter : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly string _host;
    private readonly int _port;
    private readonly CancellationTokenSource _stop = new();
    private readonly HashSet<TcpClient> _open = new();
    private readonly Task _accepting;
    private volatile bool _cut;

    public DatabaseCutter(string upstreamHost, int upstreamPort)
    {
        (_host, _port) = (upstreamHost, upstreamPort);
        _listener.Start();
        _accepting = AcceptAsync();
    }

    /// <summary>Where the nodes connect instead of the database.</summary>
    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>Drops every connection and refuses new ones for <paramref name="length"/>.</summary>
    public async Task CutAsync(TimeSpan length, CancellationToken ct)
    {
        _cut = true;
        lock (_open)
        {
            foreach (var c in _open) c.Client.Close(0); // RST: the node sees its connection reset, not a clean end
            _open.Clear();
        }
        try { await Task.Delay(length, ct); }
        finally { _cut = false; }
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try { client = await _listener.AcceptTcpClientAsync(_stop.Token); }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException) { return; }
            if (_cut) { client.Client.Close(0); continue; }
            _ = PipeAsync(client);
        }
    }

    private async Task PipeAsync(TcpClient client)
    {
        using var upstream = new TcpClient();
        try
        {
            await upstream.ConnectAsync(_host, _port, _stop.Token);
            lock (_open) { _open.Add(client); _open.Add(upstream); }
            using var s1 = client.GetStream();
            using var s2 = upstream.GetStream();
            await Task.WhenAny(s1.CopyToAsync(s2, _stop.Token), s2.CopyToAsync(s1, _stop.Token));
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException) { }
        finally
        {
            lock (_open) { _open.Remove(client); _open.Remove(upstream); }
            client.Dispose();
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Stop();
        await _accepting;
        lock (_open) foreach (var c in _open) c.Dispose();
    }
}
