using Fleet.Cloud.Cli;

// Each verb lives in its own file under Cli/; this table is the only place that lists them.
var root = FleetCli.Root("fleet-cloud", "fleet-cloud: a control-plane node (agent), and the operator's commands",
[
    AgentVerb.Create(),
    DevicesVerb.Create(),
    TelemetryVerb.Create(),
    ReportVerb.Create(),
    AuditVerb.Create(),
    BenchVerb.Create(),
    KillVerb.Create(),
    RolloutVerb.Create(),
    RendersVerb.Create(),
    CampaignVerb.Create(),
    ModelVerb.Create(),
    KeysVerb.Create(),
    TokensVerb.Create(),
    CaVerb.Create(),
    EnrollVerb.Create(),
], $"""
    FLEET_API=URL   the API the commands call when --api is not given (default {Fleet.Cloud.Api.ApiClient.DefaultUrl})
    FLEET_TOKEN     the API token when --token is not given (default: <--data>/admin.token)
    FLEET_ADMIN_TOKEN, FLEET_KEY_SECRET   for 'agent' (see 'fleet-cloud agent --help')
    """);
return await FleetCli.RunAsync("fleet-cloud", root, args);
