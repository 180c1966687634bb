using System.Text.Json;
using Fleet.Shared.Serialization;

namespace Fleet.Cloud.Cli;

/// <summary>What <c>--json</c> prints: indented Fleet JSON and a newline.</summary>
public static class CliJson
{
    public static string Of(object o) => JsonSerializer.Serialize(o, FleetJson.Indented) + "\n";
}
