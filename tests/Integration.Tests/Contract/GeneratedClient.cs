using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using NJsonSchema.CodeGeneration.CSharp;
using NSwag;
using NSwag.CodeGeneration.CSharp;
using NSwag.CodeGeneration.OperationNameGenerators;

namespace Fleet.Integration.Tests.Contract;

/// <summary>
/// What an integrator does with the contract: NSwag generates a C# client from the OpenAPI document, Roslyn compiles
/// it in memory, and the test calls the API through it. Nothing here knows Fleet's types: only the document does.
/// </summary>
public static class GeneratedClient
{
    public const string Namespace = "Fleet.Generated";
    public const string ClassName = "FleetClient";

    public static async Task<string> GenerateAsync(string documentJson)
    {
        var document = await OpenApiDocument.FromJsonAsync(documentJson);
        var settings = new CSharpClientGeneratorSettings
        {
            ClassName = ClassName,
            UseBaseUrl = true,
            // One client; each method is named by its operationId (listKeys → ListKeysAsync).
            OperationNameGenerator = new SingleClientFromOperationIdOperationNameGenerator(),
            CSharpGeneratorSettings = { Namespace = Namespace, JsonLibrary = CSharpJsonLibrary.SystemTextJson },
        };
        return new CSharpClientGenerator(document, settings).GenerateFile();
    }

    /// <summary>Compiles <paramref name="code"/> against the running framework; a compile error fails with the first few diagnostics.</summary>
    public static Assembly Compile(string code)
    {
        var references = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Where(p => p.EndsWith(".dll", StringComparison.Ordinal))
            .Select(p => MetadataReference.CreateFromFile(p));
        var compilation = CSharpCompilation.Create("Fleet.Generated.Client",
            [CSharpSyntaxTree.ParseText(code, new CSharpParseOptions(LanguageVersion.Latest))], references,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        using var image = new MemoryStream();
        var result = compilation.Emit(image);
        if (!result.Success)
            throw new InvalidOperationException("the generated client does not compile:\n" + string.Join("\n",
                result.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).Take(10)));
        return Assembly.Load(image.ToArray());
    }

    /// <summary>A client instance for <paramref name="baseUrl"/>, sending <paramref name="token"/> as bearer when given.</summary>
    public static dynamic Create(Assembly client, string baseUrl, string? token)
    {
        var http = new HttpClient();
        if (token is not null) http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        // The document names its server, so the generated constructor takes only the HttpClient; BaseUrl points it here.
        dynamic instance = Activator.CreateInstance(client.GetType($"{Namespace}.{ClassName}", throwOnError: true)!, http)!;
        instance.BaseUrl = baseUrl;
        return instance;
    }
}
