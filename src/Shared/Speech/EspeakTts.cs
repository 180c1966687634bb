using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Fleet.Shared.Campaigns;
using Fleet.Shared.Cli;

namespace Fleet.Shared.Speech;

/// <summary>
/// The seam to espeak-ng: speaks a line to a WAV that always fits its slot (faster speech first, then a trim), cached
/// on disk by (text, voice, rate, slot) so a repeated line costs a file lookup.
/// </summary>
public sealed class EspeakTts
{
    /// <summary>Fastest rate a line may be pushed to before it is trimmed instead; faster is hard to follow.</summary>
    public const int MaxRate = 320;

    private readonly TimeSpan _timeout;

    public EspeakTts(string? binaryPath = null, string? cacheDir = null, TimeSpan? timeout = null)
    {
        BinaryPath = string.IsNullOrWhiteSpace(binaryPath) ? "espeak-ng" : binaryPath;
        CacheDir = cacheDir ?? Path.Combine(Path.GetTempPath(), "fleet-speech");
        _timeout = timeout ?? TimeSpan.FromSeconds(15);
    }

    public string BinaryPath { get; }
    public string CacheDir { get; }

    /// <summary>Speaks <paramref name="text"/> into a WAV no longer than <paramref name="maxSeconds"/>.</summary>
    public async Task<SpeechClip> SynthesiseAsync(string text, VoiceSpec voice, double maxSeconds, CancellationToken ct = default)
    {
        if (string.IsNullOrWhiteSpace(text)) throw new FleetException("speech: empty line");
        Directory.CreateDirectory(CacheDir);
        var key = Key(text, voice, maxSeconds);
        var cached = Path.Combine(CacheDir, key + ".wav");
        if (File.Exists(cached))
            return new SpeechClip(cached, WavFile.Read(cached).DurationSeconds, voice.Rate, Trimmed: false, Cached: true, Runs: 0);

        var scratch = Path.Combine(CacheDir, $".{key}.{Guid.NewGuid():N}");
        var attempt = scratch + ".a.wav";
        try
        {
            // A line the voice's pace says would overrun is spoken at the fitting rate at once: one espeak-ng run, not two.
            var rate = SpeakingPace.Predict(voice.Name, text, voice.Rate) is { } predicted && predicted > maxSeconds
                ? FittingRate(voice.Rate, predicted, maxSeconds) : voice.Rate;
            var duration = await SpeakAndLearnAsync(text, voice.Name, rate, attempt, ct).ConfigureAwait(false);
            var runs = 1;
            if (duration > maxSeconds && rate < MaxRate)
            {
                rate = FittingRate(rate, duration, maxSeconds);
                duration = await SpeakAndLearnAsync(text, voice.Name, rate, attempt, ct).ConfigureAwait(false);
                runs++;
            }
            var trimmed = false;
            if (duration > maxSeconds)
            {
                var cut = scratch + ".t.wav";
                WavFile.Trim(attempt, cut, maxSeconds);
                File.Move(cut, attempt, overwrite: true);
                duration = WavFile.Read(attempt).DurationSeconds;
                trimmed = true;
            }
            File.Move(attempt, cached, overwrite: true);
            return new SpeechClip(cached, duration, rate, trimmed, Cached: false, Runs: runs);
        }
        finally
        {
            foreach (var f in new[] { attempt, scratch + ".t.wav" }) if (File.Exists(f)) File.Delete(f);
        }
    }

    /// <summary>Speaking time scales roughly inversely with rate; aim 8 % under the slot to absorb pauses.</summary>
    private static int FittingRate(int rate, double seconds, double maxSeconds) =>
        Math.Min(MaxRate, (int)Math.Ceiling(rate * seconds / maxSeconds * 1.08));

    private async Task<double> SpeakAndLearnAsync(string text, string voice, int rate, string wav, CancellationToken ct)
    {
        await SpeakAsync(text, voice, rate, wav, ct).ConfigureAwait(false);
        var seconds = WavFile.Read(wav).DurationSeconds;
        SpeakingPace.Learn(voice, text, rate, seconds);
        return seconds;
    }

    private async Task SpeakAsync(string text, string voice, int rate, string wav, CancellationToken ct)
    {
        var psi = new ProcessStartInfo(BinaryPath)
        {
            RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false, CreateNoWindow = true,
        };
        // "--" ends the options, so a line starting with "-" is spoken, never parsed as a flag.
        foreach (var a in new[] { "-v", voice, "-s", rate.ToString(CultureInfo.InvariantCulture), "-w", wav, "--", text })
            psi.ArgumentList.Add(a);
        Process started;
        try { started = Fleet.Shared.IO.ChildProcesses.Start(psi); }
        catch (Exception e) when (e is Win32Exception or InvalidOperationException)
        {
            throw new SpeechUnavailableException($"espeak-ng not available at '{BinaryPath}': {e.Message}");
        }
        using var p = started;
        var stderr = p.StandardError.ReadToEndAsync(CancellationToken.None);
        var stdout = p.StandardOutput.ReadToEndAsync(CancellationToken.None);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(_timeout);
        try { await p.WaitForExitAsync(timeout.Token).ConfigureAwait(false); }
        catch (OperationCanceledException)
        {
            try { p.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            ct.ThrowIfCancellationRequested();
            throw new SpeechUnavailableException($"espeak-ng timed out after {_timeout.TotalSeconds:0} s");
        }
        await stdout.ConfigureAwait(false);
        var err = (await stderr.ConfigureAwait(false)).Trim();
        if (p.ExitCode != 0 || !File.Exists(wav) || new FileInfo(wav).Length <= 44)
            throw new SpeechUnavailableException($"espeak-ng failed (exit {p.ExitCode}){(err.Length > 0 ? ": " + err.Split('\n')[0] : "")}");
    }

    private static string Key(string text, VoiceSpec voice, double maxSeconds)
    {
        var material = $"{text}\u0000{voice.Name}\u0000{voice.Rate}\u0000{maxSeconds.ToString("0.###", CultureInfo.InvariantCulture)}";
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(material)))[..32];
    }
}

/// <summary>A spoken line on disk: its WAV, exact duration, the rate that made it fit and whether it had to be cut.
/// <paramref name="Runs"/> is how many espeak-ng runs it took (0 from the cache).</summary>
public sealed record SpeechClip(string WavPath, double DurationSeconds, int Rate, bool Trimmed, bool Cached, int Runs);

/// <summary>espeak-ng is missing or failed; the render continues captions-only.</summary>
public sealed class SpeechUnavailableException(string message) : FleetException(message);
