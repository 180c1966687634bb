using Fleet.Shared.Devices;
using Fleet.Shared.Campaigns;
using Fleet.Shared.KillSwitch;
using Fleet.Shared.RenderJobs;
using Fleet.Shared.Rollouts;
using Fleet.Shared.Telemetry;
using Fleet.Shared.Tokens;
using Fleet.Shared.Cluster;

namespace Fleet.Cloud.Authority;

/// <summary>
/// Which sender may send what to a control-plane actor. Membership alone is not trust: a device speaks only for
/// itself and only in the device protocol; a render worker only in the worker protocol; any cloud node may read; only a
/// control node (where the authenticated, audited API runs) may change the control plane's state.
/// </summary>
public static class CommandRules
{
    /// <summary>What a device says about itself (through its gateway connection, or as a development member).</summary>
    private static string? DeviceIdIn(object message) => message switch
    {
        DeviceCommands.Register m => m.DeviceId,
        DeviceCommands.Heartbeat m => m.DeviceId,
        KillCommands.Sync m => m.DeviceId,
        KillCommands.Ack m => m.DeviceId,
        GetAssignmentTable m => m.DeviceId,
        DeviceSyncReport m => m.DeviceId,
        DeviceCommands.RenewCertificate m => m.DeviceId,
        DeviceCommands.SubmitAuditHead m => m.DeviceId,
        _ => null,
    };

    private static readonly HashSet<Type> WorkerProtocol =
    [
        typeof(RenderSchedulerCommands.WorkerPull), typeof(RenderSchedulerCommands.WorkDone), typeof(RenderSchedulerCommands.WorkFailed),
    ];

    /// <summary>Queries that change nothing: any cloud node may ask them (API nodes, render workers, gateways).</summary>
    private static readonly HashSet<Type> Reads =
    [
        typeof(DeviceCommands.Get), typeof(DeviceCommands.GetAuditHeads), typeof(DeviceCommands.CheckEnrolmentCode), typeof(KillCommands.GetState),
        typeof(CampaignCommands.ListCampaigns), typeof(CampaignCommands.GetCampaign), typeof(CampaignCommands.ListModels), typeof(CampaignCommands.GetReview),
        typeof(CampaignCommands.GetManifest), typeof(CampaignCommands.CheckDeviceAccess), typeof(CampaignCommands.GetSyncStatus),
        typeof(CampaignCommands.ResolveArtifact), typeof(TokenCommands.List), typeof(TokenCommands.Authenticate),
        typeof(RolloutCommands.Get), typeof(RolloutCommands.List), typeof(RenderSchedulerCommands.GetJob), typeof(RenderSchedulerCommands.ListJobs),
        typeof(TelemetryProtocol.Query), typeof(TelemetryProtocol.HealthQuery),
    ];

    /// <summary>Null when <paramref name="who"/> may send <paramref name="message"/>, else why not (one line).</summary>
    public static string? Refusal(object message, CommandSender who)
    {
        if (who is CommandSender.Local) return null;
        var name = message.GetType().FullName?.Replace("Fleet.Shared.", "") ?? message.GetType().Name;
        // Telemetry: the ingest itself compares the claimed device with the sender and answers with a rejection the
        // device sees (and that the report lists), so the guard only keeps non-devices other than control nodes out.
        if (message is TelemetryProtocol.Batch)
            return who is CommandSender.GatewayDevice or CommandSender.MemberDevice || who is CommandSender.Node t && t.Roles.Contains(FleetCluster.ControlRole)
                ? null : $"{who} may not send {name}";
        if (DeviceIdIn(message) is { } claimed)
            return who switch
            {
                CommandSender.GatewayDevice g when g.DeviceId == claimed => null,
                CommandSender.MemberDevice d when d.DeviceId == claimed => null,
                CommandSender.GatewayDevice or CommandSender.MemberDevice => $"{who} may not speak for device '{claimed}'",
                CommandSender.Node n when n.Roles.Contains(FleetCluster.ControlRole) => null,
                _ => $"{who} may not send {name}",
            };
        if (who is not CommandSender.Node node) return $"{who} may not send {name}";
        if (Reads.Contains(message.GetType())) return null;
        if (WorkerProtocol.Contains(message.GetType()))
            return node.Roles.Contains(FleetCluster.RenderRole) ? null : $"{who} is no render worker and may not send {name}";
        return node.Roles.Contains(FleetCluster.ControlRole) ? null : $"{who} is no control node and may not send {name}";
    }

    /// <summary>The control plane's own bookkeeping between its actors: allowed from control nodes, too frequent to audit one by one.</summary>
    private static readonly HashSet<Type> Bookkeeping = [typeof(DeviceCommands.ConnectivityChanged), typeof(TokenCommands.IssueDeviceToken)];

    /// <summary>Whether an admitted message changes the control plane in a way the audit log records at the actor.</summary>
    public static bool IsAuditedChange(object message) =>
        DeviceIdIn(message) is null && message is not TelemetryProtocol.Batch && !Reads.Contains(message.GetType()) && !WorkerProtocol.Contains(message.GetType())
        && !Bookkeeping.Contains(message.GetType());
}
