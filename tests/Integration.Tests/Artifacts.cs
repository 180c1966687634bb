namespace Fleet.Integration.Tests;

/// <summary>
/// Files a test keeps for a person to look at after the run (console screenshots): under <c>$FLEET_ARTIFACTS</c>
/// (<c>./fleet test</c> sets it to <c>artifacts/</c> in the checkout and prints it), else under the test binaries'
/// <c>TestResults/artifacts</c>. Kept after the test, pass or fail, unlike its <see cref="TempDir"/>.
/// </summary>
public static class Artifacts
{
    public const string Variable = "FLEET_ARTIFACTS";

    public static string Root => Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } dir
        ? dir
        : Path.Combine(AppContext.BaseDirectory, "TestResults", "artifacts");

    /// <summary>A folder for one kind of artifact, created if missing, e.g. <c>Dir("console")</c>.</summary>
    public static string Dir(string kind) => Directory.CreateDirectory(Path.Combine(Root, kind)).FullName;
}
