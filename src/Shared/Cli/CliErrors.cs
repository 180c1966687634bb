namespace Fleet.Shared.Cli;

/// <summary>An expected failure with a message meant for the user: printed as one line, exit code 1 (or the one given).</summary>
public class FleetException(string message, Exception? inner = null, int exitCode = 1) : Exception(message, inner)
{
    public int ExitCode { get; } = exitCode;
}

/// <summary>Bad command-line input: printed as one line, exit code 2.</summary>
public sealed class UsageException(string message) : Exception(message);
