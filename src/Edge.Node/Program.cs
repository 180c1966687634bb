using Fleet.Edge.Cli;
using Fleet.Shared.Cli;

// Each verb lives in its own file under Cli/; this table is the only place that lists them.
var verbs = new List<Verb>
{
    AgentVerb.Verb,
    BenchVerb.Verb,
    SoakVerb.Verb,
    RenderVerb.Verb,
    AuditVerb.Verb,
    TemplateVerb.Create(),
    EnrollVerb.Verb,
    StoreVerb.Verb,
};
return await VerbDispatcher.RunAsync("fleet-edge", verbs, args, """
    FLEET_CLOUD_DLL=PATH   the fleet-cloud.dll that 'bench' and 'soak' start (when --cloud-dll is not given)
    NOTIFY_SOCKET, WATCHDOG_USEC   set by systemd for a Type=notify unit: 'agent' reports ready and pings the watchdog
    """);
