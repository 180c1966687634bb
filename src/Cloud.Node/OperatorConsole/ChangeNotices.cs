using System.Text.Json;
using Akka.Actor;
using Akka.Hosting;
using Fleet.Cloud.Api;
using Fleet.Cloud.Devices;
using Fleet.Cloud.Rollouts;
using Fleet.Shared.KillSwitch;
using Fleet.Shared.Rollouts;
using Fleet.Shared.Serialization;
using Fleet.Shared.Tokens;

namespace Fleet.Cloud.OperatorConsole;

/// <summary>
/// HTTP: <c>GET /api/v1/events/stream</c>, server-sent events telling an open console what changed: <c>devices</c>
/// (counts by connectivity), <c>kill</c> (epoch and acknowledgements) and <c>rollouts</c> (each one's status and
/// stage). Each connection reads the same queries the API answers once a second and sends a topic only when its notice
/// differs from the last one sent, so a notice is never ahead of what a re-fetch shows. Pages re-fetch on a notice.
/// The token is checked again on every tick: once it is revoked the stream says <c>signed-out</c> and ends, so an open
/// page that only listens (and fetches nothing) still learns it may no longer read.
/// </summary>
public static class ChangeNotices
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan KeepAlive = TimeSpan.FromSeconds(15);

    public sealed record DeviceCounts(int Total, int Up, int Unreachable, int Offline, int Revoked);

    public sealed record KillNotice(long Epoch, int Active, int Acknowledgements);

    /// <param name="Devices">How many devices are in each state, e.g. <c>Running:3 Assigned:1</c>.</param>
    public sealed record RolloutNotice(string Id, string Status, int Stage, string Devices, string? Verdict);

    public static void MapChangeNotices(this RouteGroupBuilder api) =>
        api.MapGet("/events/stream", StreamAsync).RequireRole(TokenRoles.Viewer).WithName("streamChangeNotices").ProducesFile("text/event-stream")
            .WithSummary("Server-sent events: devices, kill and rollouts notices when they change (re-fetch the matching endpoint)");

    private static async Task StreamAsync(HttpContext ctx, DeviceDirectory devices, IRequiredActor<KillSwitchAuthorityKey> kill,
        IRequiredActor<RolloutCoordinatorKey> rollouts, TokenAuthentication auth)
    {
        var bearer = ctx.Request.Headers.Authorization.ToString();
        var ct = ctx.RequestAborted;
        ctx.Response.ContentType = "text/event-stream";
        ctx.Response.Headers.CacheControl = "no-cache";
        ctx.Response.Headers["X-Accel-Buffering"] = "no"; // a reverse proxy must not hold notices back
        await ctx.Response.WriteAsync("retry: 2000\n\n", ct);
        await ctx.Response.Body.FlushAsync(ct);
        var sent = new Dictionary<string, string>(StringComparer.Ordinal);
        var quietSince = DateTime.UtcNow;
        try
        {
            while (!ct.IsCancellationRequested)
            {
                if (!await StillValidAsync(auth, bearer, ct))
                {
                    var error = JsonSerializer.Serialize(new ApiError("the token was revoked"), FleetJson.Options);
                    await ctx.Response.WriteAsync($"event: signed-out\ndata: {error}\n\n", ct);
                    await ctx.Response.Body.FlushAsync(ct);
                    return;
                }
                foreach (var (topic, notice) in await ReadAsync(devices, kill, rollouts, ct))
                {
                    var json = JsonSerializer.Serialize(notice, FleetJson.Options);
                    if (sent.GetValueOrDefault(topic) == json) continue;
                    sent[topic] = json;
                    await ctx.Response.WriteAsync($"event: {topic}\ndata: {json}\n\n", ct);
                    quietSince = DateTime.UtcNow;
                }
                if (DateTime.UtcNow - quietSince > KeepAlive)
                {
                    await ctx.Response.WriteAsync(": keep-alive\n\n", ct);
                    quietSince = DateTime.UtcNow;
                }
                await ctx.Response.Body.FlushAsync(ct);
                await Task.Delay(Interval, ct);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested) { } // the page went away
    }

    /// <summary>Whether the bearer token that opened the stream is still accepted; a token store that does not answer in time is no reason to end it.</summary>
    private static async Task<bool> StillValidAsync(TokenAuthentication auth, string bearer, CancellationToken ct)
    {
        try { return await auth.AuthenticateAsync(bearer, ct) is not null; }
        catch (AskTimeoutException) { return true; }
    }

    /// <summary>One reading of every topic; a topic whose source did not answer in time is left out of this tick.</summary>
    private static async Task<List<(string Topic, object Notice)>> ReadAsync(DeviceDirectory devices, IRequiredActor<KillSwitchAuthorityKey> kill,
        IRequiredActor<RolloutCoordinatorKey> rollouts, CancellationToken ct)
    {
        var notices = new List<(string, object)>();
        try
        {
            var list = await devices.ListAsync(ct);
            notices.Add(("devices", new DeviceCounts(list.Count,
                list.Count(d => d.RevokedAt is null && d.Connectivity == Shared.Devices.Connectivity.Up),
                list.Count(d => d.RevokedAt is null && d.Connectivity == Shared.Devices.Connectivity.Unreachable),
                list.Count(d => d.RevokedAt is null && d.Connectivity == Shared.Devices.Connectivity.Offline),
                list.Count(d => d.RevokedAt is not null))));
        }
        catch (AskTimeoutException) { }
        try
        {
            var state = await kill.ActorRef.Ask<KillCommands.State>(KillCommands.GetState.Instance, AskTimeout, ct);
            notices.Add(("kill", new KillNotice(state.Epoch, state.Kills.Count(k => k.ReleasedAt is null), state.Acks.Values.Count(a => a.Epoch >= state.Epoch))));
        }
        catch (AskTimeoutException) { }
        try
        {
            var list = await rollouts.ActorRef.Ask<RolloutCommands.RolloutList>(RolloutCommands.List.Instance, AskTimeout, ct);
            notices.Add(("rollouts", list.Rollouts.Select(r => new RolloutNotice(r.Id, r.Status.ToString(), r.Stage,
                string.Join(' ', r.Devices.GroupBy(d => d.State).OrderBy(g => g.Key).Select(g => $"{g.Key}:{g.Count()}")), r.Verdict)).ToList()));
        }
        catch (AskTimeoutException) { }
        return notices;
    }
}
