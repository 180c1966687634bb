using Fleet.Shared.Personalisation.Embedding;
using Fleet.Edge.Personalisation;
using Fleet.Edge.Identity;
using Fleet.Shared.Cli;
using Fleet.Shared.Cluster;
using Fleet.Shared.Resilience;

namespace Fleet.Edge.Hosting;

/// <summary>
/// Keeps a device in the fleet with no operator step. An enrolled device runs one node for its whole life and its link
/// keeps a stream to a gateway (reconnecting and failing over by itself); a development device (--insecure-dev) also
/// runs one node for its whole life and joins the cluster beside it, session after session. Only a refusal by the
/// cloud stops the agent.
/// </summary>
public static class EdgeAgent
{
    public const int ExitRefused = 3;

    /// <summary>1, 2, 4 … 30 s with ±20 % jitter so a fleet that lost its cloud does not return in lockstep.</summary>
    public static readonly Backoff Rejoin = new(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30), Jitter: 0.2);

    public static async Task<int> RunAsync(EdgeOptions o, IReadOnlyList<string> usableEncoders, CancellationToken ct)
    {
        var creds = o.InsecureDev ? null : EnrolmentStore.Load(o.DataDir)
            ?? throw new FleetException("this device is not enrolled: run 'fleet-edge enroll --code CODE --api URL' (or --bundle FILE) first, " +
                                        "or pass --insecure-dev to join a development cluster without TLS");
        if (creds is not null && o.DeviceId is not null && o.DeviceId != creds.DeviceId)
            throw new UsageException($"--device-id {o.DeviceId} differs from the enrolled device id {creds.DeviceId}");
        if (creds is null) return await RunAsMemberAsync(o, usableEncoders, ct);
        if (o.Join == JoinMode.Member)
            throw new UsageException("--join member is for development clusters (--insecure-dev): a device certificate can never make a cluster member");
        if (o.Seeds.Count > 0) throw new UsageException("--seed is for development membership (--insecure-dev); an enrolled device connects to gateways (--gateway HOST:PORT)");
        if (o.Tags.Count > 0) throw new UsageException("--tags is for development membership (--insecure-dev); an enrolled device's tags are its enrolment record's");
        var gateways = o.Gateways.Count > 0 ? o.Gateways : creds.Bundle.Gateways?.Select(SeedAddress.Parse).ToList() ?? new List<SeedAddress>();
        if (gateways.Count == 0) throw new UsageException("no gateway to connect to: the enrolment bundle names none; pass --gateway HOST:PORT");
        // Tags and cohort facts are the enrolment record's: what the device says of itself is not used for targeting.
        o = o with { Tags = creds.Bundle.Tags };
        var identity = DeviceIdentity.LoadOrCreate(o.DataDir, creds.DeviceId);
        var facts = DeviceFactsProbe.Collect(identity, o.Tags, usableEncoders, Embedder(o));
        AgentLog.Write($"device {identity.DeviceId} (data {o.DataDir}), gateways {string.Join(", ", gateways)}, mutual TLS " +
                       $"(certificate valid until {creds.Certificate.NotAfter.ToUniversalTime():u}, renewed with {o.RenewBefore:P0} of its lifetime left)");
        await using var node = await EdgeNode.StartAsync(o, facts, new ViaGateway(gateways, creds), ct);
        try { await node.Terminated.WaitAsync(ct); } catch (OperationCanceledException) { }
        if (!ct.IsCancellationRequested && node.Session.RefusedReason is { } reason) throw new FleetException($"refused by the cloud: {reason}", null, ExitRefused);
        AgentLog.Write("stopped");
        return 0;
    }

    // The process-wide embedder the personalise stage uses too (same options, same instance): it is loaded once, here.
    private static MiniLmEmbedder Embedder(EdgeOptions o) => MiniLmEmbedder.For(new PersonaliseSettings(o.DataDir, Provider: o.ExecutionProviders).Model);

    /// <summary>
    /// Development membership (--insecure-dev): the device node starts at once and runs for the agent's whole life; each
    /// pass resolves the seeds, starts a cluster session beside it and waits. A session that never joins, or that loses
    /// the cluster, ends; the agent starts a fresh one after a backoff.
    /// </summary>
    private static async Task<int> RunAsMemberAsync(EdgeOptions o, IReadOnlyList<string> usableEncoders, CancellationToken ct)
    {
        if (o.Gateways.Count > 0 || o.Join == JoinMode.Gateway)
            throw new UsageException("the gateway needs an enrolled device (mutual TLS); with --insecure-dev a device joins the cluster through --seed");
        if (o.Seeds.Count == 0) throw new UsageException("at least one --seed is required (e.g. --seed 127.0.0.1:4053)");
        var identity = DeviceIdentity.LoadOrCreate(o.DataDir, o.DeviceId);
        var facts = DeviceFactsProbe.Collect(identity, o.Tags, usableEncoders, Embedder(o));
        AgentLog.Write("WARNING --insecure-dev: joining WITHOUT TLS; only a development cloud accepts this");
        AgentLog.Write($"device {identity.DeviceId} (data {o.DataDir}), seeds {string.Join(", ", o.Seeds)}");
        // The device (API, renders, policy, outbox) runs for the agent's whole life; only cluster sessions come and go.
        await using var node = await EdgeNode.StartAsync(o, facts, new ViaMembership(Array.Empty<string>(), null), ct);
        var failures = 0;
        while (!ct.IsCancellationRequested)
        {
            var seeds = await ResolveAsync(o.Seeds, ct);
            string outcome;
            if (seeds.Count == 0)
            {
                outcome = $"no seed could be resolved ({string.Join(", ", o.Seeds)})";
            }
            else
            {
                await using var session = await ClusterSession.StartAsync(o, facts, new ViaMembership(seeds, null), node.Local, ct);
                node.Session = session.Link;
                try { await session.Terminated.WaitAsync(ct); } catch (OperationCanceledException) { }
                if (ct.IsCancellationRequested) break;
                if (session.Link.RefusedReason is { } reason) throw new FleetException($"refused by the cloud: {reason}", null, ExitRefused);
                outcome = session.Link.Joined
                    ? "lost the cluster (cloud gone or this node was downed)"
                    : $"no seed answered within {EdgeNode.JoinAttemptTimeout.TotalSeconds:0}s ({string.Join(", ", seeds)})";
                if (session.Link.Joined) failures = 0;
            }
            failures++;
            var delay = Rejoin.Delay(failures);
            AgentLog.Write($"join attempt {failures}: {outcome}; next attempt in {delay.TotalSeconds:0.#}s");
            try { await Task.Delay(delay, ct); } catch (OperationCanceledException) { break; }
        }
        AgentLog.Write("stopped");
        return 0;
    }

    private static async Task<IReadOnlyList<string>> ResolveAsync(IReadOnlyList<SeedAddress> seeds, CancellationToken ct)
    {
        var all = new List<string>();
        foreach (var seed in seeds)
        {
            try { all.AddRange(await seed.ResolveAsync(ct)); }
            catch (System.Net.Sockets.SocketException e) { AgentLog.Write($"cannot resolve seed {seed}: {e.Message}"); }
        }
        return all;
    }

}
