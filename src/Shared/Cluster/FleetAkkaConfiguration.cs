using Akka.Cluster.Hosting;
using Akka.Cluster.Hosting.SBR;
using Akka.Hosting;
using Akka.Persistence.Sql.Hosting;
using Akka.Remote.Hosting;
using Akka.Serialization;
using Fleet.Shared.Serialization;

namespace Fleet.Shared.Cluster;

/// <summary>The one place that wires remoting, clustering, serialization and persistence for every Fleet node.</summary>
public static class FleetAkkaConfiguration
{
    public static AkkaConfigurationBuilder WithFleetNode(this AkkaConfigurationBuilder builder, NodeSettings node)
    {
        builder
            .WithRemoting(new RemoteOptions { HostName = node.Hostname, PublicHostName = node.Hostname, Port = node.Port })
            .WithClustering(new ClusterOptions
            {
                SeedNodes = node.SeedNodes.Select(a => FleetCluster.WithScheme(a, node.Tls is not null)).ToArray(),
                Roles = node.Roles.ToArray(),
                // Counted on `control` only, so flapping devices can never outvote the control plane.
                SplitBrainResolver = new KeepMajorityOption { Role = FleetCluster.ControlRole },
            })
            .AddHocon(ClusterTuning(node), HoconAddMode.Prepend)
            // Broadcasts (kill-switch policy) reach every node, devices included.
            .WithDistributedPubSub(role: "")
            .WithFleetSerialization();
        node.Tls?.Apply(builder);

        if (node.Db is { } db)
        {
            builder.WithSqlPersistence(connectionString: db.ConnectionString, providerName: db.ProviderName, autoInitialize: true);
            // SQLite takes one writer at a time: a second concurrent writer gets SQLITE_BUSY, and Microsoft.Data.Sqlite
            // retries only after sleeping 150 ms. One writer batching every queued event is far faster (PLATFORM.md).
            if (db.Kind == Persistence.DbKind.Sqlite) builder.AddHocon("""
                akka.persistence.journal.sql.parallelism = 1
                akka.persistence.journal.sql.read-isolation-level = read-uncommitted
                akka.persistence.snapshot-store.sql.read-isolation-level = read-uncommitted
                akka.persistence.query.journal.sql.read-isolation-level = read-uncommitted
                """, HoconAddMode.Prepend);
        }
        return builder;
    }

    /// <summary>
    /// Hyperion (allow-listed) for remote messages, the versioned JSON serializer for persisted events, and the ids of
    /// Akka's JSON and remote-deployment serializers taken over by one that refuses everything (a peer chooses the
    /// serializer id of what it sends).
    /// </summary>
    public static AkkaConfigurationBuilder WithFleetSerialization(this AkkaConfigurationBuilder builder) => builder
        .AddHocon(RefusedSerializer.Hocon, HoconAddMode.Prepend)
        .WithCustomSerializer("hyperion", new[] { typeof(object) },
            system => new HyperionSerializer(system, HyperionSerializerSettings.Default
                .WithDisallowUnsafeType(true)
                .WithTypeFilter(ProtocolTypeFilter.ForFleet())))
        .WithCustomSerializer(FleetEventSerializer.Name, new[] { typeof(IFleetEvent) }, system => new FleetEventSerializer(system));

    internal static string ClusterTuning(NodeSettings node)
    {
        var giveUp = node.GiveUpJoiningAfter is { } t ? $"{(int)t.TotalMilliseconds}ms" : "off";
        return $$"""
            akka.cluster {
              seed-node-timeout = 2s
              retry-unsuccessful-join-after = 2s
              shutdown-after-unsuccessful-join-seed-nodes = {{giveUp}}
              split-brain-resolver.stable-after = {{(int)node.SplitBrainStableAfter.TotalMilliseconds}}ms
              # Devices come and go all the time: "unstable for too long" must not make the resolver down every node,
              # the control plane included. Sides are decided by control nodes only (keep-majority on role control).
              split-brain-resolver.down-all-when-unstable = off
              {{(node.HeartbeatPause is { } pause ? $"failure-detector.acceptable-heartbeat-pause = {(int)pause.TotalMilliseconds}ms" : "")}}
              run-coordinated-shutdown-when-down = on
              log-info-verbose = off
            }
            akka.coordinated-shutdown.exit-clr = off
            # The host decides when to stop (SIGTERM -> coordinated leave); a second CLR hook would race it.
            akka.coordinated-shutdown.run-by-clr-shutdown-hook = off
            akka.remote.dot-netty.tcp.maximum-frame-size = 4MiB
            akka.remote.log-remote-lifecycle-events = off
            akka.loglevel = {{node.EffectiveLogLevel}}
            # The expected warnings before loggers start are Fleet's serializers replacing Akka's (Hyperion for objects,
            # the refusing serializer under the JSON and remote-deployment ids).
            akka.stdout-loglevel = ERROR
            """;
    }
}
