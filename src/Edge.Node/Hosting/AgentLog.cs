namespace Fleet.Edge.Hosting;

/// <summary>
/// The agent's own log: one timestamped line per event an operator cares about (join attempts, registration,
/// refusal). Akka's internal log stays at ERROR unless FLEET_DEBUG=1, so these lines are not buried.
/// </summary>
public static class AgentLog
{
    /// <summary>Off for in-process benchmarks that run many devices in one process.</summary>
    public static volatile bool Enabled = true;

    public static void Write(string line)
    {
        if (Enabled) Console.WriteLine($"{DateTime.Now:HH:mm:ss.fff} fleet-edge: {line}");
    }
}
