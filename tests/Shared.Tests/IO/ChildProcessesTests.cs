using System.ComponentModel;
using System.Diagnostics;
using Fleet.Shared.IO;

namespace Fleet.Shared.Tests.IO;

/// <summary>The launcher seam for helper processes: same results as a plain start, missing binaries fail at once.</summary>
public sealed class ChildProcessesTests
{
    [Fact]
    public async Task A_child_runs_with_its_own_arguments_and_exit_status()
    {
        var psi = new ProcessStartInfo("sh") { RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in new[] { "-c", "echo \"$0\"; exit 7", "--pdeathsig" }) psi.ArgumentList.Add(a);
        using var p = ChildProcesses.Start(psi);
        var output = await p.StandardOutput.ReadToEndAsync();
        await p.WaitForExitAsync();
        Assert.Equal("--pdeathsig\n", output); // arguments reach the child untouched, even one that looks like a launcher flag
        Assert.Equal(7, p.ExitCode);
    }

    [Fact]
    public void On_linux_with_setpriv_children_are_started_through_it()
    {
        if (!OperatingSystem.IsLinux() || !File.Exists("/usr/bin/setpriv")) return;
        Assert.True(ChildProcesses.DieWithParent);
        var psi = new ProcessStartInfo("sleep") { UseShellExecute = false };
        psi.ArgumentList.Add("5");
        using var p = ChildProcesses.Start(psi);
        try { Assert.Equal("/usr/bin/setpriv", psi.FileName); }
        finally { p.Kill(); p.WaitForExit(); }
    }

    [Fact]
    public void A_missing_binary_fails_at_start_as_a_plain_start_would()
    {
        var psi = new ProcessStartInfo("fleet-no-such-binary") { UseShellExecute = false };
        Assert.Throws<Win32Exception>(() => ChildProcesses.Start(psi));
    }
}
