using System.CommandLine;
using System.Text.Json;
using Fleet.Shared.Speech;
using Fleet.Edge.Cli;
using Fleet.Shared.Cli;
using Fleet.Shared.Rendering;
using Fleet.Shared.Serialization;

namespace Fleet.Bench.Cli;

/// <summary>
/// <c>fleet-bench template</c>: renders the campaign's default copy N times on the fast path and on the naive path
/// (same preset), interleaved in one run, and reports medians and their ratio.
/// </summary>
internal static class TemplateBench
{
    public static Command Create()
    {
        var campaign = CliOption.Text("--campaign", "the campaign folder (required)", "DIR");
        var runs = CliOption.Int("--runs", 7, "renders timed on each path");
        var keep = CliOption.Text("--keep", "a folder to keep the last fast and naive MP4s in", "DIR");
        var cache = CliOption.Text("--cache", TemplateVerb.DefaultCache, "where prepared templates are kept", "DIR");
        var ffmpeg = CliOption.Text("--ffmpeg", "the ffmpeg to run (default: from PATH)", "PATH");
        var command = new Command("template", "a campaign's template: the fast path against the naive one, ffmpeg alone") { campaign, runs, keep, cache, ffmpeg }
            .WithDetails("""
                The campaign's default copy rendered --runs times on the fast path (warm and cold) and on the naive path
                (same preset), interleaved; medians, their ratio and ffmpeg's CPU time.
                """);
        command.SetAction((r, _) => RunAsync(new Settings(r.GetValue(campaign) ?? throw new UsageException("missing required option --campaign"),
            Math.Max(1, r.GetValue(runs)), r.GetValue(keep), r.GetValue(cache)!, r.GetValue(ffmpeg)), r.GetValue(FleetCli.Json)));
        return command;
    }

    private sealed record Settings(string Campaign, int Runs, string? Keep, string Cache, string? Ffmpeg);

    private static async Task<int> RunAsync(Settings settings, bool json)
    {
        var runs = settings.Runs;
        // A spinner with the current step on a terminal; redirected, stderr stays quiet as it always was.
        var (report, preset, steps) = await Terminal.StatusAsync("fleet-bench template", step => MeasureAsync(settings, runs, step), quiet: json);
        if (json) Console.WriteLine(JsonSerializer.Serialize(report, FleetJson.Indented));
        else
        {
            Console.WriteLine($"{report.Campaign}: {runs} runs, 10 s template, preset {preset}");
            Console.WriteLine($"  fast path        p50 {report.FastP50Ms,7:0.0} ms   [{string.Join(' ', report.FastMs.Select(x => x.ToString("0")))}]");
            Console.WriteLine($"  fast path (cold) p50 {report.FastColdP50Ms,7:0.0} ms   [{string.Join(' ', report.FastColdMs.Select(x => x.ToString("0")))}]");
            Console.WriteLine($"  naive path       p50 {report.NaiveP50Ms,7:0.0} ms   [{string.Join(' ', report.NaiveMs.Select(x => x.ToString("0")))}]");
            Console.WriteLine($"  speed-up   {report.Ratio:0.00}x (cold start of both ffmpeg steps: {report.ColdRatio:0.00}x)");
            if (report.FastCpuP50Ms is { } fc && report.NaiveCpuP50Ms is { } nc)
                Console.WriteLine($"  ffmpeg CPU p50: fast (cold) {fc:0} ms, naive {nc:0} ms ({nc / fc:0.00}x)");
            Console.WriteLine($"  fast steps p50: {string.Join(", ", steps.GroupBy(s => s.Step).Select(g => $"{g.Key} {Median(g.Select(s => s.Ms).ToList()):0} ms"))}");
        }
        return 0;
    }

    private static async Task<(BenchReport Report, string Preset, List<StepTiming> Steps)> MeasureAsync(Settings settings, int runs, Action<string> step)
    {
        step("preparing the template");
        var (campaign, prepared) = await TemplateVerb.LoadAndPrepareAsync(settings.Campaign, settings.Ffmpeg, settings.Cache);
        var runner = new FfmpegRunner(settings.Ffmpeg);
        var engine = new RenderEngine(runner);
        // The deployed configuration: the assemble process is started ahead of each render.
        using var warmEngine = new RenderEngine(runner) { KeepStepsWarm = true };
        var scratch = Directory.CreateTempSubdirectory("fleet-bench-").FullName;
        try
        {
            var fields = new Dictionary<string, string>(campaign.Spec.FieldDefaults)
            {
                ["headline"] = campaign.Spec.DefaultCopy.Headline,
                ["cta"] = campaign.Spec.DefaultCopy.Cta,
            };
            string? voice = null;
            if (prepared.Template.Voice is { } line)
            {
                var tts = new EspeakTts(cacheDir: Path.Combine(scratch, "speech"));
                var speech = await tts.SynthesiseAsync(TextSlots.Fill(line.Line, fields), campaign.Spec.Voice, (double)line.MaxFrames / prepared.Template.Fps);
                voice = speech.WavPath;
            }
            var request = new RenderRequest { Fields = fields, VoiceWav = voice };
            // One warm-up of each so disk caches and the dynamic loader are warm for all alike.
            step("warming up");
            await warmEngine.RenderFastAsync(prepared, request, Path.Combine(scratch, "warm-fast.mp4"));
            await engine.RenderFastAsync(prepared, request, Path.Combine(scratch, "cold-fast.mp4"));
            await engine.RenderFullAsync(prepared, request, Path.Combine(scratch, "warm-naive.mp4"));
            var fast = new List<double>();
            var cold = new List<double>();
            var naive = new List<double>();
            var steps = new List<StepTiming>();
            var fastCpu = new List<double>();
            var naiveCpu = new List<double>();
            for (var i = 0; i < runs; i++)
            {
                step($"run {i + 1} of {runs}");
                // Let the next assembler finish starting, as it would between real renders, so it does not disturb the others.
                await Task.Delay(200);
                var f = await warmEngine.RenderFastAsync(prepared, request, Path.Combine(scratch, "fast.mp4"));
                await Task.Delay(200);
                fast.Add(f.TotalMs);
                steps.AddRange(f.Steps);
                var cpu0 = ChildCpu.TotalMs();
                cold.Add((await engine.RenderFastAsync(prepared, request, Path.Combine(scratch, "cold.mp4"))).TotalMs);
                var cpu1 = ChildCpu.TotalMs();
                naive.Add((await engine.RenderFullAsync(prepared, request, Path.Combine(scratch, "naive.mp4"))).TotalMs);
                var cpu2 = ChildCpu.TotalMs();
                if (cpu0 is { } a && cpu1 is { } b && cpu2 is { } c) { fastCpu.Add(b - a); naiveCpu.Add(c - b); }
            }
            if (settings.Keep is { } keep)
            {
                Directory.CreateDirectory(keep);
                File.Copy(Path.Combine(scratch, "fast.mp4"), Path.Combine(keep, "fast.mp4"), overwrite: true);
                File.Copy(Path.Combine(scratch, "naive.mp4"), Path.Combine(keep, "naive.mp4"), overwrite: true);
            }
            var report = new BenchReport(campaign.Spec.Id, runs, Median(fast), Median(cold), Median(naive), Median(naive) / Median(fast),
                Median(naive) / Median(cold), fast, cold, naive, fastCpu.Count > 0 ? Median(fastCpu) : null, naiveCpu.Count > 0 ? Median(naiveCpu) : null);
            return (report, prepared.Encoder.Preset, steps);
        }
        finally
        {
            Directory.Delete(scratch, recursive: true);
        }
    }

    private static double Median(List<double> xs)
    {
        var s = xs.Order().ToList();
        return s.Count % 2 == 1 ? s[s.Count / 2] : (s[s.Count / 2 - 1] + s[s.Count / 2]) / 2;
    }

    private sealed record BenchReport(string Campaign, int Runs, double FastP50Ms, double FastColdP50Ms, double NaiveP50Ms, double Ratio,
        double ColdRatio, IReadOnlyList<double> FastMs, IReadOnlyList<double> FastColdMs, IReadOnlyList<double> NaiveMs,
        double? FastCpuP50Ms, double? NaiveCpuP50Ms);
}
