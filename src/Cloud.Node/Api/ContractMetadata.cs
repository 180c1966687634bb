namespace Fleet.Cloud.Api;

/// <summary>The roles an endpoint admits (set by <c>RequireRole</c>); the OpenAPI contract names them.</summary>
public sealed record RequiredRoles(IReadOnlyList<string> Roles);

/// <summary>The error statuses an endpoint answers itself, beyond those every bearer-token endpoint may answer.</summary>
public sealed record ErrorStatuses(IReadOnlyList<int> Statuses);

/// <summary>A second shape the 200 answer may take (the contract says oneOf).</summary>
public sealed record AlternativeOk(Type Type);

/// <summary>A 200 answer of bytes (a download), in one of <paramref name="ContentTypes"/>.</summary>
public sealed record FileAnswer(IReadOnlyList<string> ContentTypes);

/// <summary>A request body the endpoint reads itself: raw bytes of <paramref name="ContentType"/>, or a folder as multipart parts.</summary>
public sealed record RawRequestBody(string ContentType, string Description, bool MultipartFolder = false);

/// <summary>
/// Endpoint metadata for the OpenAPI contract (<see cref="ApiContract"/> turns it into responses and request bodies):
/// one line on the endpoint instead of hand-written schema.
/// </summary>
public static class ContractMetadataExtensions
{
    /// <summary>Declares error answers (each with the one <see cref="ApiError"/> body).</summary>
    public static TBuilder Errors<TBuilder>(this TBuilder builder, params int[] statuses) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new ErrorStatuses(statuses));

    /// <summary>The 200 answer is either the <c>Produces&lt;T&gt;</c> type or <typeparamref name="T"/>, by what was asked.</summary>
    public static RouteHandlerBuilder ProducesAlso<T>(this RouteHandlerBuilder builder) => builder.WithMetadata(new AlternativeOk(typeof(T)));

    /// <summary>The request body is the file itself (e.g. a model), streamed by the endpoint.</summary>
    public static TBuilder AcceptsBinary<TBuilder>(this TBuilder builder, string description) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new RawRequestBody("application/octet-stream", description));

    /// <summary>The request body is a folder: <c>multipart/form-data</c>, one file part per file, the part's file name its path.</summary>
    public static TBuilder AcceptsFolder<TBuilder>(this TBuilder builder, string description) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new RawRequestBody("multipart/form-data", description, MultipartFolder: true));

    /// <summary>A download: the answer is bytes of one of <paramref name="contentTypes"/> (default application/octet-stream).</summary>
    public static TBuilder ProducesFile<TBuilder>(this TBuilder builder, params string[] contentTypes) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new FileAnswer(contentTypes.Length == 0 ? ["application/octet-stream"] : contentTypes));
}
