using Fleet.Edge.Cli;
using Fleet.Shared.Cli;

// Each verb lives in its own file under Cli/; this table is the only place that lists them.
var verbs = new List<Verb>
{
    AgentVerb.Verb,
    RenderVerb.Verb,
    AuditVerb.Verb,
    TemplateVerb.Create(),
    EnrollVerb.Verb,
    StoreVerb.Verb,
};
return await VerbDispatcher.RunAsync("fleet-edge", verbs, args, """
    NOTIFY_SOCKET, WATCHDOG_USEC   set by systemd for a Type=notify unit: 'agent' reports ready and pings the watchdog
    """);
