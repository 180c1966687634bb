using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Fleet.Cloud.Api;

/// <summary>
/// The parts of the OpenAPI contract that follow from how the API works rather than from each endpoint: the bearer
/// scheme (everything under <c>/api/</c> goes through <see cref="TokenAuthentication"/>), the one error shape
/// <see cref="ApiError"/> and the errors every bearer endpoint may answer, request bodies an endpoint reads itself
/// (<see cref="RawRequestBody"/>) and byte downloads. Endpoints carry the rest as metadata: <c>WithName</c> (the
/// operationId), <c>Produces&lt;T&gt;</c>, <c>RequireRole</c>, <c>Errors(...)</c>.
/// </summary>
public static class ApiContract
{
    public const string Bearer = "bearer";
    public const string SignedUrl = "signedUrl";
    public const string ErrorSchema = "ApiError";

    private static readonly Dictionary<int, string> ErrorMeaning = new()
    {
        [400] = "The request is invalid (a one-line reason)",
        [401] = "No bearer token, or an unknown or revoked one",
        [403] = "The token's role may not make this call (or a device token reaches beyond its own records)",
        [404] = "Not found",
        [409] = "Conflicts with the current state",
        [410] = "Gone: expired or already used",
        [413] = "The request body is too large",
        [429] = "Too many attempts; retry after Retry-After seconds",
        [503] = "The control plane did not answer in time (a control node may be taking over); retry after Retry-After seconds",
    };

    /// <summary>Every tag an endpoint uses, described once.</summary>
    private static readonly Dictionary<string, string> Tags = new()
    {
        ["assets"] = "Content-addressed campaign assets and what this node served",
        ["audit"] = "The operator audit log and devices' signed audit heads",
        ["campaigns"] = "Publishing, versions, signed manifests, assignments and fleet priors",
        ["devices"] = "The device registry",
        ["enrolment"] = "Enrolling devices: bundles, one-time codes, redeeming them, revoking devices",
        ["health"] = "Liveness and readiness of this node",
        ["keys"] = "Signing keys and the trust set devices hold",
        ["kill-switch"] = "Engaging and releasing kills, and who acknowledged",
        ["models"] = "Published on-device models",
        ["render"] = "The render contract devices follow",
        ["renders"] = "Cloud render jobs and budgets",
        ["reports"] = "Lift reports from player outcomes",
        ["rollouts"] = "Canary rollouts with automatic gates",
        ["telemetry"] = "Telemetry queries",
        ["tokens"] = "API tokens (admin)",
    };

    public static void Configure(OpenApiOptions o)
    {
        // OpenAPI 3.0: what client generators (NSwag, Kiota, openapi-generator) read fully today; 3.1's type arrays they do not.
        o.OpenApiVersion = OpenApiSpecVersion.OpenApi3_0;
        o.AddOperationTransformer(async (operation, context, ct) =>
        {
            Describe(operation, context);
            foreach (var alternative in context.Description.ActionDescriptor.EndpointMetadata.OfType<AlternativeOk>())
                await AddAlternativeAsync(operation, context, alternative.Type, ct);
        });
        o.AddDocumentTransformer((doc, _, _) =>
        {
            Document(doc);
            return Task.CompletedTask;
        });
    }

    private static void Document(OpenApiDocument doc)
    {
        doc.Info = new OpenApiInfo
        {
            Title = "Fleet control plane API",
            Version = "v1",
            Description = "Bearer tokens with roles viewer (read), operator (campaigns, models, keys, assignments), sre (kill-switch), " +
                          "admin (tokens), device (its own manifests and assets). Every error is {\"error\": \"one line\"} (schema ApiError).",
            License = new OpenApiLicense { Name = "Proprietary" },
        };
        // The node serving the document names itself; paths already start with a slash.
        foreach (var server in doc.Servers ?? []) server.Url = server.Url?.TrimEnd('/');
        doc.Tags = new HashSet<OpenApiTag>(Tags.Select(t => new OpenApiTag { Name = t.Key, Description = t.Value }));
        doc.Components ??= new OpenApiComponents();
        doc.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        doc.Components.SecuritySchemes[Bearer] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            Description = "An API token (fleet-cloud tokens create, the admin token, or a device's enrolment token)",
        };
        doc.Components.SecuritySchemes[SignedUrl] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.ApiKey,
            In = ParameterLocation.Query,
            Name = "sig",
            Description = "A signed URL's signature for exactly this path (GET only), instead of a bearer token",
        };
        doc.Components.Schemas ??= new Dictionary<string, IOpenApiSchema>();
        foreach (var schema in doc.Components.Schemas.Values.OfType<OpenApiSchema>())
            foreach (var (name, property) in schema.Properties ?? new Dictionary<string, IOpenApiSchema>())
                if (NullableOf(property) is { } plain) schema.Properties![name] = plain;
        doc.Components.Schemas[ErrorSchema] = new OpenApiSchema
        {
            Type = JsonSchemaType.Object,
            Description = "Every error the API answers",
            Required = new HashSet<string> { "error" },
            Properties = new Dictionary<string, IOpenApiSchema>
            {
                ["error"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "One line saying what went wrong" },
                ["reason"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "A machine-readable reason where a client acts on it (render jobs: budget, device-quota, not-allowed)" },
            },
        };
    }

    private static void Describe(OpenApiOperation operation, OpenApiOperationTransformerContext context)
    {
        var metadata = context.Description.ActionDescriptor.EndpointMetadata;
        var roles = metadata.OfType<RequiredRoles>().LastOrDefault()?.Roles;
        var bearer = (context.Description.RelativePath ?? "").StartsWith("api/", StringComparison.Ordinal);
        var errors = metadata.OfType<ErrorStatuses>().SelectMany(e => e.Statuses).ToHashSet();
        if (bearer)
        {
            errors.UnionWith([401, 403, 503]);
            operation.Security = [Requirement(Bearer, context.Document)];
            if (roles?.Contains(Campaigns.CampaignEndpoints.SignedUrlRole) == true) operation.Security.Add(Requirement(SignedUrl, context.Document));
            var who = roles is null ? "any valid token" : "role " + string.Join(" or ", roles);
            operation.Description = string.IsNullOrEmpty(operation.Description) ? $"Needs {who}." : $"{operation.Description} Needs {who}.";
        }
        else
        {
            operation.Security = []; // anonymous: declared, not left to a global default
        }

        if (metadata.OfType<RawRequestBody>().LastOrDefault() is { } raw) operation.RequestBody = RawBody(raw);
        if (operation.RequestBody is not null) errors.Add(400); // a body that does not bind or parse
        // an id in the route or query that is no id of its kind (BadIdParameter)
        if (metadata.OfType<System.Reflection.MethodInfo>().LastOrDefault()?.GetParameters().Any(p => Fleet.Shared.Ids.FleetIds.IsIdKind(p.ParameterType)) == true)
            errors.Add(400);

        operation.Responses ??= new OpenApiResponses();
        if (metadata.OfType<FileAnswer>().LastOrDefault() is { } file)
            operation.Responses["200"] = new OpenApiResponse
            {
                Description = "The bytes (Range requests resume a download)",
                Content = file.ContentTypes.ToDictionary(t => t, _ => new OpenApiMediaType { Schema = Binary() }),
            };
        foreach (var response in operation.Responses.Values)
            foreach (var media in response.Content?.Values ?? [])
                media.Schema ??= Binary();
        foreach (var status in errors.Order())
            operation.Responses[status.ToString()] = ErrorResponse(status, context.Document);
    }

    /// <summary>200 becomes oneOf the declared type and <paramref name="type"/>, both as named components.</summary>
    private static async Task AddAlternativeAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, Type type, CancellationToken ct)
    {
        if (operation.Responses is null || !operation.Responses.TryGetValue("200", out var ok) || ok.Content is null
            || !ok.Content.TryGetValue("application/json", out var media) || media.Schema is not { } declared) return;
        var schema = await context.GetOrCreateSchemaAsync(type, null, ct);
        context.Document!.AddComponent(type.Name, schema);
        media.Schema = new OpenApiSchema { OneOf = [declared, new OpenApiSchemaReference(type.Name, context.Document)] };
    }

    /// <summary>
    /// A nullable reference comes out of the generator as oneOf [null, $ref], which 3.0 cannot say (redocly:
    /// nullable-type-sibling) and generators turn into untyped objects; 3.0's idiom is a nullable object with allOf [$ref].
    /// </summary>
    private static IOpenApiSchema? NullableOf(IOpenApiSchema property)
    {
        if (property is not OpenApiSchema { OneOf.Count: 2 } p || p.OneOf.FirstOrDefault(b => b.Type == JsonSchemaType.Null) is not { } nullBranch) return null;
        var other = p.OneOf.First(b => !ReferenceEquals(b, nullBranch));
        if (other is OpenApiSchemaReference) return new OpenApiSchema { Type = JsonSchemaType.Object | JsonSchemaType.Null, AllOf = [other], Description = p.Description };
        if (other is OpenApiSchema { Type: { } t } o) { o.Type = t | JsonSchemaType.Null; return o; }
        return other;
    }

    private static OpenApiSchema Binary() => new() { Type = JsonSchemaType.String, Format = "binary" };

    private static OpenApiSecurityRequirement Requirement(string scheme, OpenApiDocument? doc) =>
        new() { [new OpenApiSecuritySchemeReference(scheme, doc)] = [] };

    private static OpenApiResponse ErrorResponse(int status, OpenApiDocument? doc)
    {
        var response = new OpenApiResponse
        {
            Description = ErrorMeaning.GetValueOrDefault(status, "Error"),
            Content = new Dictionary<string, OpenApiMediaType> { ["application/json"] = new() { Schema = new OpenApiSchemaReference(ErrorSchema, doc) } },
        };
        if (status is 429 or 503)
            response.Headers = new Dictionary<string, IOpenApiHeader>
            {
                ["Retry-After"] = new OpenApiHeader { Description = "Seconds to wait before trying again", Schema = new OpenApiSchema { Type = JsonSchemaType.Integer } },
            };
        return response;
    }

    private static OpenApiRequestBody RawBody(RawRequestBody raw)
    {
        var binary = Binary();
        IOpenApiSchema schema = raw.MultipartFolder
            ? new OpenApiSchema
            {
                Type = JsonSchemaType.Object,
                Required = new HashSet<string> { "files" },
                Properties = new Dictionary<string, IOpenApiSchema>
                {
                    ["files"] = new OpenApiSchema { Type = JsonSchemaType.Array, Items = binary, Description = "One part per file; the part's file name is its path inside the folder" },
                },
            }
            : binary;
        return new OpenApiRequestBody
        {
            Required = true,
            Description = raw.Description,
            Content = new Dictionary<string, OpenApiMediaType> { [raw.ContentType] = new() { Schema = schema } },
        };
    }
}
