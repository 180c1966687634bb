using System.Collections.Concurrent;
using System.Diagnostics;

namespace Fleet.Bench.Browser;

/// <summary>
/// Debian's Chromium, headless, on one page: what the page writes with <c>console.log</c> is collected from Chromium's
/// log (<c>--enable-logging=stderr</c>), so a test reads the page's own account of what it played. Chromium is a
/// required tool (<c>./fleet setup</c> installs it), never a reason to skip.
/// </summary>
public sealed class HeadlessChromium : IDisposable
{
    private const string Binary = "chromium";
    private const string ConsoleMark = ":INFO:CONSOLE";
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _lines = new();

    private HeadlessChromium(Process process) => _process = process;

    /// <summary>
    /// Opens <paramref name="url"/> with a fresh profile in <paramref name="profileDir"/>; media autoplays muted. With
    /// <paramref name="devTools"/> the page can be driven through <see cref="DevToolsPage"/>.
    /// </summary>
    public static HeadlessChromium Open(string url, string profileDir, bool devTools = false)
    {
        var psi = new ProcessStartInfo(Binary) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[]
                 {
                     "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run", "--mute-audio",
                     "--autoplay-policy=no-user-gesture-required", "--window-size=1280,720", $"--user-data-dir={profileDir}",
                     "--enable-logging=stderr", "--v=0", url,
                 })
            psi.ArgumentList.Add(arg);
        // Port 0: Chromium picks a free one and writes it to DevToolsActivePort in the profile.
        if (devTools) psi.ArgumentList.Insert(0, "--remote-debugging-port=0");
        Process process;
        try { process = Process.Start(psi)!; }
        catch (System.ComponentModel.Win32Exception e) { throw new InvalidOperationException($"{Binary} is not installed ({e.Message}): run ./fleet setup", e); }
        var browser = new HeadlessChromium(process);
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) browser._lines.Enqueue(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) browser._lines.Enqueue(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return browser;
    }

    /// <summary>
    /// The page's console messages, in order. Chromium logs each as
    /// <c>[pid:tid:time:INFO:CONSOLE:line] "message", source: url (line)</c>.
    /// </summary>
    public IReadOnlyList<string> Console => _lines
        .Where(l => l.Contains(ConsoleMark, StringComparison.Ordinal))
        .Select(l => l[(l.IndexOf("] \"", StringComparison.Ordinal) + 3)..])
        .Select(m => m.LastIndexOf("\", source: ", StringComparison.Ordinal) is var end and >= 0 ? m[..end] : m)
        .ToList();

    /// <summary>The last lines Chromium printed, for a failure message.</summary>
    public string Tail(int lines = 40) => string.Join('\n', _lines.TakeLast(lines));

    /// <summary>Kills the browser this started and everything it started (zygote, renderer, GPU process).</summary>
    public void Dispose()
    {
        if (!_process.HasExited)
            try { _process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
        _process.WaitForExit(10_000);
        _process.Dispose();
    }
}
