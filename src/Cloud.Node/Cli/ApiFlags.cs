using System.CommandLine;

namespace Fleet.Cloud.Cli;

/// <summary>
/// The options of every verb that calls the API (<see cref="Api.ApiClient.From"/> reads them), declared once and taken
/// by the verb's subcommands too.
/// </summary>
public static class ApiFlags
{
    public static readonly Option<string?> Api = Recursive(CliOption.Text("--api",
        $"the API to call (default FLEET_API, else {Fleet.Cloud.Api.ApiClient.DefaultUrl})", "URL"));

    public static readonly Option<string?> Token = Recursive(CliOption.Text("--token",
        "the API token (default FLEET_TOKEN, else <--data>/admin.token)", "TOKEN"));

    public static readonly Option<string> Data = Recursive(CliOption.Text("--data", "./data/cloud",
        "the cloud node's data folder: its admin.token, and ca/ca.crt to trust an HTTPS API", "DIR"));

    /// <summary>The verb, taking <c>--api</c>, <c>--token</c> and <c>--data</c> on itself and every subcommand.</summary>
    public static Command CallsApi(this Command verb)
    {
        verb.Options.Add(Api);
        verb.Options.Add(Token);
        verb.Options.Add(Data);
        return verb;
    }

    private static T Recursive<T>(T option) where T : Option
    {
        option.Recursive = true;
        return option;
    }
}
