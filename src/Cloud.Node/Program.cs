using Fleet.Cloud.Cli;

// Each verb lives in its own file under Cli/; this table is the only place that lists them.
var verbs = new List<Verb>
{
    AgentVerb.Verb,
    DevicesVerb.Verb,
    TelemetryVerb.Verb,
    ReportVerb.Verb,
    AuditVerb.Verb,
    BenchVerb.Verb,
    KillVerb.Verb,
    RolloutVerb.Verb,
    RendersVerb.Verb,
    CampaignVerb.Verb,
    ModelVerb.Verb,
    KeysVerb.Verb,
    TokensVerb.Verb,
    CaVerb.Verb,
    EnrollVerb.Verb,
};
return await VerbDispatcher.RunAsync("fleet-cloud", verbs, args, $"""
    FLEET_API=URL   the API the commands call when --api is not given (default {Fleet.Cloud.Api.ApiClient.DefaultUrl})
    FLEET_TOKEN     the API token when --token is not given (default: <--data>/admin.token)
    FLEET_ADMIN_TOKEN, FLEET_KEY_SECRET   for 'agent' (see 'fleet-cloud agent --help')
    """);
