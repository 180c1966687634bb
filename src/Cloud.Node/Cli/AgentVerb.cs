using System.CommandLine;
using Fleet.Cloud.Hosting;

namespace Fleet.Cloud.Cli;

/// <summary><c>fleet-cloud agent</c>: runs a control-plane node until SIGINT/SIGTERM.</summary>
public static class AgentVerb
{
    public static Command Create()
    {
        var command = CloudFlags.AddTo(new Command("agent", CloudFlags.Description).WithDetails(CloudFlags.Details));
        command.SetAction((r, _) => RunAsync(CloudOptions.From(r)));
        return command;
    }

    private static async Task<int> RunAsync(CloudOptions o)
    {
        await o.Db.EnsureReachableAsync();
        await using var app = CloudHost.Build(o);
        try
        {
            await app.StartAsync();
        }
        catch (IOException e)
        {
            throw new FleetException($"cannot serve the API on {o.HttpUrl}: {e.Message.Split('\n')[0]}");
        }
        var started = $"fleet-cloud: node {o.SelfAddress} roles {string.Join(',', o.Roles)}, api {o.HttpUrl}, db {o.Db.Describe()}";
        // In JSON every stdout line is a log object; as text the line stays plain (scripts and tests wait for it).
        if (o.Log.Json) app.Logger.LogInformation("{Started}", started);
        else Console.WriteLine(started);
        await app.WaitForShutdownAsync();
        return 0;
    }
}
