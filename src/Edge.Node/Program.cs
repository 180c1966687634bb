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
return await VerbDispatcher.RunAsync("fleet-edge", verbs, args);
