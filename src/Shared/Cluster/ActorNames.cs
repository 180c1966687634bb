namespace Fleet.Shared.Cluster;

/// <summary>
/// Every actor, singleton and shard name in Fleet, cloud and edge, spelled once. Singleton and shard names are part of
/// the cluster's contract (proxies on other nodes address them by name), so renaming one breaks mixed clusters.
/// Persistence ids are not taken from here: they name stored journals and stay fixed whatever the actor is called.
/// </summary>
public static class ActorNames
{
    /// <summary>On every member with TLS remoting: sends and answers node attestation challenges (peers address it by path).</summary>
    public const string NodeAttestation = "node-attestation";

    /// <summary>Cluster singletons on <c>control</c> nodes, and the device shard; other nodes reach them through a proxy of the same name.</summary>
    public static class Singletons
    {
        public const string KillSwitch = "kill-switch";
        public const string Rollouts = "rollouts";
        public const string Campaigns = "campaigns";
        public const string Tokens = "tokens";
        public const string RenderScheduler = "render-scheduler";
        public const string TelemetryIngest = "telemetry-ingest";
        /// <summary>The sharded <c>device</c> entities (registration, facts, last seen, audit heads).</summary>
        public const string DeviceShard = "device";
    }

    /// <summary>Actors of a cloud node (top-level unless a comment says whose child).</summary>
    public static class Cloud
    {
        public const string ControlPlaneSync = "control-plane-sync";
        public const string KeyRotationSchedule = "key-rotation-schedule";
        public const string MemberRefusalAudit = "member-refusal-audit";
        public const string CohortWatcher = "cohort-watcher";
        public const string DeviceLiveness = "device-liveness";
        public const string DeviceIndex = "device-index";
        public const string KnownDevices = "known-devices";
        public const string RenderWorker = "render-worker";
        /// <summary>Child of the telemetry-ingest singleton: writes outcome rollups to SQL.</summary>
        public const string Reports = "reports";
        /// <summary>Gateway nodes: parent of one connection actor per device stream.</summary>
        public const string Gateway = "gateway";
    }

    /// <summary>Actors of a device's local actor system (top-level unless a comment says whose child).</summary>
    public static class Edge
    {
        public const string Audit = "audit";
        public const string Telemetry = "telemetry";
        public const string Policy = "policy";
        public const string Manifests = "manifests";
        public const string Render = "render";
        /// <summary>Children of <see cref="Render"/>.</summary>
        public const string Personalise = "personalise", Speech = "speech", Composite = "composite";
        public const string Scrub = "store-scrub";
        /// <summary>The cloud link (gateway stream or development membership).</summary>
        public const string Link = "link";
        /// <summary>Children of <see cref="Link"/>.</summary>
        public const string TelemetryUpload = "telemetry-upload", AuditUpload = "audit-upload";
    }
}
