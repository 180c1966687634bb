using Akka.Actor;
using Akka.Hosting;
using Fleet.Cloud.Api;
using Fleet.Cloud.Campaigns;
using Fleet.Cloud.Devices;
using Fleet.Shared.Assets;
using Fleet.Shared.Commands;
using Fleet.Shared.Devices;
using Fleet.Shared.Campaigns;
using Fleet.Shared.RenderJobs;
using Fleet.Shared.Tokens;
using static Fleet.Shared.RenderJobs.RenderSchedulerReplies;

namespace Fleet.Cloud.Renders;

/// <summary>
/// HTTP for render delegation: a device asks for a cloud render (campaign version, height, chosen copy and voice line)
/// and gets a job id and a signed job token; it polls the job and downloads the MP4 with that token. Operators list
/// jobs and budgets and set a campaign's budget.
/// </summary>
public static class RenderJobEndpoints
{
    public const string JobTokenHeader = "Fleet-Job-Token";
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(10);
    private const int MaxFields = 16;
    private const int MaxText = 300;

    /// <param name="Base">Hybrid mode: the campaign's base at this height (see <see cref="BaseBundle"/>), not an ad.</param>
    public sealed record JobRequest(string? DeviceId, string? CampaignId, int? CampaignVersion, int? Height, string? Resolution,
        IReadOnlyDictionary<string, string>? Fields, string? VoiceLine, bool Base = false);

    public sealed record JobTicket(string JobId, string Token, DateTimeOffset ExpiresAt, RenderJobStatus Status, bool Created, RenderJobView Job);

    public sealed record BudgetRequest(int? RendersPerDay, double? RenderSecondsPerDay, int? DeviceJobs = null);

    public static void MapRenderJobs(this RouteGroupBuilder api)
    {
        api.MapPost("/renders/jobs", async (JobRequest body, HttpContext ctx, IRequiredActor<RenderSchedulerKey> scheduler, IRequiredActor<CampaignStore> store,
                DeviceDirectory devices, JobTokens tokens, ContentStore assets, CancellationToken ct) =>
            {
                var p = ctx.RequiredPrincipal();
                var deviceId = p.IsDevice ? p.DeviceId : body.DeviceId;
                if (p.IsDevice && body.DeviceId is not null && body.DeviceId != p.DeviceId)
                    return ApiResults.Forbidden($"a device token for '{p.DeviceId}' cannot request renders for '{body.DeviceId}'");
                if (DeviceId.Invalid(deviceId) is { } badDevice) return ApiResults.BadRequest(badDevice);
                if (string.IsNullOrWhiteSpace(body.CampaignId)) return ApiResults.BadRequest("campaign_id is required");
                var height = body.Height ?? RenderVariants.ParseHeight(body.Resolution);
                if (height is not { } h || !RenderVariants.IsKnown(h))
                    return ApiResults.BadRequest($"height/resolution must be one of {string.Join(", ", RenderVariants.Heights.Select(x => x + "p"))}");
                var fields = body.Fields ?? new Dictionary<string, string>();
                if (fields.Count > MaxFields || fields.Any(f => !IsFieldName(f.Key) || f.Value.Length > MaxText) || body.VoiceLine?.Length > MaxText)
                    return ApiResults.BadRequest($"fields: at most {MaxFields} slot names (a-z, 0-9, _) with values of at most {MaxText} characters; voice_line at most {MaxText}");
                if (await devices.GetAsync(deviceId!, ct) is null) return ApiResults.NotFound($"device '{deviceId}' is not registered");
                var storeRef = await store.GetAsync(ct);
                if (await DeviceAccess.DeniedAsync(ctx, devices, storeRef, body.CampaignId, null, ct) is { } denied) return denied;
                if (await CampaignEndpoints.FindCampaignAsync(store, body.CampaignId!, ct) is not { } d)
                    return ApiResults.NotFound($"campaign '{body.CampaignId}' does not exist");
                var version = body.CampaignVersion ?? d.Summary.LatestVersion;
                bool allowCloud;
                IReadOnlyList<string> pii;
                try
                {
                    var manifest = await WorkerRenderer.ManifestOfAsync(body.CampaignId!, version, storeRef, ct);
                    (allowCloud, pii) = (manifest.Budget.AllowCloud, WorkerRenderer.TemplateOf(manifest, assets).Pii);
                }
                catch (FleetException e) { return ApiResults.NotFound(e.Message); }
                // Personal data never reaches the cloud: a device draws such a render itself (hybrid); anyone else is told why.
                if (!body.Base && fields.Keys.FirstOrDefault(pii.Contains) is { } personal)
                    return ApiResults.BadRequest($"fields: '{personal}' is personal data (the template marks it pii); it stays on the device, which renders such an ad itself on a cloud base");
                var spec = body.Base
                    ? new RenderJobSpec(body.CampaignId!, version, h, new Dictionary<string, string>(), null, Base: true)
                    : new RenderJobSpec(body.CampaignId!, version, h, fields, string.IsNullOrWhiteSpace(body.VoiceLine) ? null : body.VoiceLine);
                var reply = await (await scheduler.GetAsync(ct)).AskCommand<Accepted>(new RenderSchedulerCommands.Submit(deviceId!, spec, allowCloud,
                    System.Diagnostics.Activity.Current?.Id), AskTimeout, ct);
                // Clients of this API act on the refusal's reason (budget, device-quota, not-allowed, invalid), so it goes in the body.
                if (reply.Value is not { } a) return ApiResults.Refusal(reply.Refusal!, withReason: true);
                var (token, expires) = tokens.Issue(a.Job.JobId, deviceId!, spec.CampaignId); // a shared base job was perhaps asked first by another device
                return ApiResults.Ok(new JobTicket(a.Job.JobId, token, expires, a.Job.Status, a.Created, a.Job), a.Created ? 202 : 200);
            })
            .RequireRole(TokenRoles.Operator, TokenRoles.Device).WithName("createRenderJob").WithTags("renders")
            .WithSummary("Ask for a cloud render: campaign version, height, chosen copy and voice line → job id and signed job token (429 + reason budget when over budget)")
            .WithDescription("Fields the template marks pii are refused (400). The journal and every listing hold slot values and the voice line only as SHA-256 salted with the job id; the text stays in the scheduler's memory until the job is done.")
            .Produces<JobTicket>(StatusCodes.Status202Accepted).Produces<JobTicket>().Errors(400, 404, 429);

        api.MapGet("/renders/jobs/{id}", async (string id, HttpContext ctx, IRequiredActor<RenderSchedulerKey> scheduler, JobTokens tokens, CancellationToken ct) =>
            {
                if (TokenRefused(ctx, tokens, id) is { } refused) return refused;
                return await JobAsync(scheduler, id, ct) is { } job ? ApiResults.Ok(job) : ApiResults.NotFound($"no render job {id}");
            })
            .RequireRole(TokenRoles.Viewer, TokenRoles.Device).WithTags("renders")
            .WithName("getRenderJob").WithSummary("One render job (a device needs the job's token)").Produces<RenderJobView>().Errors(404);

        api.MapGet("/renders/jobs/{id}/output", async (string id, HttpContext ctx, IRequiredActor<RenderSchedulerKey> scheduler, JobTokens tokens, ContentStore assets,
                CancellationToken ct) =>
            {
                if (TokenRefused(ctx, tokens, id) is { } refused) return refused;
                if (await JobAsync(scheduler, id, ct) is not { } job) return ApiResults.NotFound($"no render job {id}");
                if (job.Status != RenderJobStatus.Done || job.Sha256 is null)
                    return ApiResults.Conflict($"render job {id} is {job.Status.ToString().ToLowerInvariant()}{(job.Error is null ? "" : ": " + job.Error)}");
                if (!assets.Has(job.Sha256)) return ApiResults.NotFound($"the output of {id} ({job.Sha256[..12]}) is not in this node's content store");
                return Results.File(assets.OpenRead(job.Sha256), job.Spec.Base ? BaseBundle.MediaType : "video/mp4", enableRangeProcessing: true,
                    entityTag: new Microsoft.Net.Http.Headers.EntityTagHeaderValue($"\"{job.Sha256}\""));
            })
            .RequireRole(TokenRoles.Viewer, TokenRoles.Device).WithTags("renders")
            .WithName("getRenderJobOutput").WithSummary("The finished MP4 of a render job, or a base job's bundle (a device needs the job's token)")
            .ProducesFile("video/mp4", BaseBundle.MediaType).Errors(404, 409);

        api.MapGet("/renders/jobs/{id}/files/{sha}", async (string id, string sha, HttpContext ctx, IRequiredActor<RenderSchedulerKey> scheduler, JobTokens tokens,
                ContentStore assets, CancellationToken ct) =>
            {
                if (TokenRefused(ctx, tokens, id) is { } refused) return refused;
                if (await JobAsync(scheduler, id, ct) is not { Spec.Base: true, Status: RenderJobStatus.Done, Sha256: { } bundleSha })
                    return ApiResults.NotFound($"render job {id} is no finished base job");
                var bundle = System.Text.Json.JsonSerializer.Deserialize<BaseBundle>(await File.ReadAllBytesAsync(assets.PathOf(bundleSha), ct), Shared.Serialization.FleetJson.Options);
                if (bundle is null || !bundle.Files.Values.Contains(sha) || !assets.Has(sha)) return ApiResults.NotFound($"{sha} is not a file of base job {id}");
                return Results.File(assets.OpenRead(sha), "application/octet-stream", enableRangeProcessing: true);
            })
            .RequireRole(TokenRoles.Viewer, TokenRoles.Device).WithTags("renders")
            .WithName("getRenderJobFile").WithSummary("One file of a finished base job's bundle (hybrid mode; a device needs the job's token)")
            .ProducesFile().Errors(404);

        api.MapGet("/renders", async (CampaignId? campaign, IRequiredActor<RenderSchedulerKey> scheduler, CancellationToken ct) =>
                ApiResults.Ok(await (await scheduler.GetAsync(ct)).Ask<JobList>(new RenderSchedulerCommands.ListJobs(campaign?.Value), AskTimeout, ct)))
            .RequireRole(TokenRoles.Viewer).WithName("listRenders").WithTags("renders")
            .WithSummary("Render jobs (newest first) and each campaign's budget use today; slot values and voice lines as salted SHA-256 (sha256:…), never text").Produces<JobList>();

        api.MapPost("/campaigns/{id}/budget", async (CampaignId id, BudgetRequest body, HttpContext ctx, IRequiredActor<RenderSchedulerKey> scheduler,
                IRequiredActor<CampaignStore> store, CancellationToken ct) =>
            {
                if (await CampaignEndpoints.FindCampaignAsync(store, id.Value, ct) is null)
                    return ApiResults.NotFound($"campaign '{id}' does not exist");
                var reply = await (await scheduler.GetAsync(ct)).AskCommand<BudgetSet>(
                    new RenderSchedulerCommands.SetBudget(id.Value, body.RendersPerDay, body.RenderSecondsPerDay, ctx.RequiredPrincipal().Name, body.DeviceJobs), AskTimeout, ct);
                return reply.Value is { } b ? ApiResults.Ok(b.Usage) : ApiResults.Refusal(reply.Refusal!);
            })
            .RequireRole(TokenRoles.Operator).WithName("setCampaignBudget").WithTags("renders")
            .WithSummary("Set a campaign's cloud render budget per UTC day (renders and/or render-seconds; null removes a limit) and how many unfinished cloud renders one device may have (device_jobs, default 2)").Produces<RenderUsageView>().Errors(400);
    }

    private static IResult? TokenRefused(HttpContext ctx, JobTokens tokens, string jobId)
    {
        var p = ctx.RequiredPrincipal();
        if (!p.IsDevice) return null;
        var token = ctx.Request.Headers[JobTokenHeader].ToString() is { Length: > 0 } h ? h : ctx.Request.Query["token"].ToString();
        return tokens.Refusal(token, jobId, p.DeviceId!) is { } why ? ApiResults.Forbidden(why) : null;
    }

    private static async Task<RenderJobView?> JobAsync(IRequiredActor<RenderSchedulerKey> scheduler, string id, CancellationToken ct) =>
        (await (await scheduler.GetAsync(ct)).AskCommand<RenderJobView>(new RenderSchedulerCommands.GetJob(id), AskTimeout, ct)).Value;

    private static bool IsFieldName(string s) => s.Length is > 0 and <= 32 && s.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '_');
}
