using Fleet.Edge.Cli;
using Fleet.Shared.Cli;

// Each verb lives in its own file under Cli/; this list is the only place that names them.
var root = FleetCli.Root("fleet-edge", "fleet-edge: a device of the fleet (agent), and its offline tools",
    [AgentVerb.Create(), RenderVerb.Create(), AuditVerb.Create(), TemplateVerb.Create(), EnrollVerb.Create(), StoreVerb.Create()], """
    NOTIFY_SOCKET, WATCHDOG_USEC   set by systemd for a Type=notify unit: 'agent' reports ready and pings the watchdog
    """);
return await FleetCli.RunAsync("fleet-edge", root, args);
