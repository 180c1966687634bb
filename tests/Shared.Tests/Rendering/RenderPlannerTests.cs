using Fleet.Shared.Rendering;
using Fleet.TestSupport;

namespace Fleet.Shared.Tests.Rendering;

/// <summary>The planner is pure: these tests run no ffmpeg and check the argument lists themselves.</summary>
public sealed class RenderPlannerTests
{
    private static readonly TemplateSpec Template =
        TemplateLoader.Load(Path.Combine(SampleCampaignFixture.RepoRoot, "samples", "summer-sale", "template.json"));

    private static PreparedTemplate Prepared(bool plate) => new()
    {
        HeroSha256 = new string('a', 64), Template = Template, Encoder = EncoderSettings.Default,
        NormalisedVideo = "normalised.mp4", MusicWav = "music.wav", MusicAac = "music.aac", Directory = "/prep",
        VoiceSplice = AudioSplice.Before(336_000),
        Assets = new Dictionary<string, string> { ["logo"] = "asset000.png" },
        Segments = new[]
        {
            new PreparedSegment { StartFrame = 0, EndFrame = 210, Personalised = false, File = "seg000.h264" },
            new PreparedSegment { StartFrame = 210, EndFrame = 300, Personalised = true, File = "seg001.mp4", StillSkipFrames = plate ? "seg001.skip.h264" : null },
        },
    };

    private static RenderRequest Request(string headline) => new()
    {
        Fields = new Dictionary<string, string> { ["headline"] = headline, ["cta"] = "Shop now", ["price"] = "$5" },
        VoiceWav = "/voice/line.wav",
    };

    public static TheoryData<string> HostileHeadlines => new()
    {
        "5\" screen -y /tmp/x.mp4",
        "%{pts} and %{localtime}",
        "it's 50% off: C:\\deals\\now, [today]; ok",
        "Sommer-Sale 🌞 جديد 夏のセール",
        "-filter_complex nullsrc",
    };

    [Theory]
    [MemberData(nameof(HostileHeadlines))]
    public void Headline_only_ever_reaches_ffmpeg_through_a_text_file(string headline)
    {
        foreach (var plan in new[] { RenderPlanner.PlanFast(Prepared(true), Request(headline), "/work", "/out/.x.partial"),
                     RenderPlanner.PlanFull(Prepared(true), Request(headline), "/work", "/out/.x.partial") })
        {
            var args = plan.Steps.SelectMany(s => s.Arguments).ToList();
            Assert.DoesNotContain(args, a => a.Contains(headline, StringComparison.Ordinal));
            Assert.DoesNotContain("/tmp/x.mp4", args);
            Assert.Contains(plan.Files, f => f.Content == headline);
            var graph = args[args.IndexOf("-filter_complex") + 1];
            Assert.Contains("expansion=none", graph);
            Assert.DoesNotContain(":text=", graph);
        }
    }

    [Fact]
    public void Fast_path_reencodes_only_the_personalised_range_and_mixes_audio_only_from_the_voice_slot()
    {
        var plan = RenderPlanner.PlanFast(Prepared(false), Request("Hi"), "/work", "/out/.x.partial");
        Assert.Equal(RenderPath.Fast, plan.Path);
        Assert.Equal(new[] { "personalise", "mix", "assemble" }, plan.Steps.Select(s => s.Name));
        var personalise = plan.Steps[0].Arguments;
        Assert.Contains("/prep/seg001.mp4", personalise);
        Assert.DoesNotContain("/prep/seg000.h264", personalise);
        Assert.DoesNotContain("-frames:v", personalise);
        Assert.DoesNotContain("/prep/normalised.mp4", personalise);
        // Same encoder settings as the prepared segments, closed GOP of fps frames.
        var joined = string.Join(' ', personalise);
        Assert.Contains("-c:v libx264 -preset ultrafast -crf 23 -pix_fmt yuv420p -g 30 -keyint_min 30 -sc_threshold 0", joined);

        var assemble = plan.Steps[2].Arguments;
        Assert.Equal(new[] { "-c", "copy" }, assemble.SkipWhile(a => a != "-c").Take(2));
        Assert.DoesNotContain("-filter_complex", assemble);
        var list = Assert.Single(plan.Files, f => f.Path.EndsWith("parts.ffconcat")).Content;
        Assert.Contains("file '/prep/seg000.h264'\nduration 7\n", list);
        Assert.Contains("file '/work/part001.pipe0'\nduration 3\n", list);
        // One moving range: encoded straight into the pipe the assembler reads, nothing fed after it.
        Assert.True(Assert.Single(plan.Feeds!).WrittenByStep);
        Assert.Equal("/work/part001.pipe0", personalise[^1]);
        Assert.Equal("/out/.x.partial", assemble[^1]);
    }

    [Fact]
    public void Several_moving_ranges_are_each_encoded_to_a_file_and_fed_to_the_assembler_in_turn()
    {
        // ffmpeg opens all its outputs before writing any, and the assembler reads them in order: pipes would wait on each other.
        var two = Prepared(false) with
        {
            Template = Template with { Personalised = new[] { new FrameRange(0, 30), new FrameRange(210, 300) } },
            Segments = new[]
            {
                new PreparedSegment { StartFrame = 0, EndFrame = 30, Personalised = true, File = "seg000.mp4" },
                new PreparedSegment { StartFrame = 30, EndFrame = 210, Personalised = false, File = "seg001.h264" },
                new PreparedSegment { StartFrame = 210, EndFrame = 300, Personalised = true, File = "seg002.mp4" },
            },
        };
        var plan = RenderPlanner.PlanFast(two, Request("Hi"), "/work", "/out/.x.partial");
        Assert.Equal(new[] { "/work/part000.h264", "/work/part002.h264" }, plan.Feeds!.SelectMany(f => f.Sources));
        Assert.Equal(new[] { "/work/part000.h264", "/work/part002.h264" }, plan.Steps[0].Arguments.Where(a => a.StartsWith("/work/part")));
    }

    [Fact]
    public void Still_plate_encodes_only_the_keyframe_and_completes_each_gop_with_prepared_copy_frames()
    {
        var plan = RenderPlanner.PlanFast(Prepared(true), Request("Hi"), "/work", "/out/.x.partial");
        var personalise = plan.Steps[0].Arguments.ToList();
        Assert.Equal("1", personalise[personalise.IndexOf("-frames:v") + 1]);
        var list = plan.Files.Single(f => f.Path.EndsWith("parts.ffconcat")).Content;
        Assert.Equal(new[] { "file '/work/part001.pipe0'", "file '/work/part001.pipe1'", "file '/work/part001.pipe2'" },
            list.Split('\n').Where(l => l.Contains("part001")));
        Assert.Equal(3, list.Split('\n').Count(l => l == "duration 1"));
        Assert.All(plan.Feeds!, f => Assert.Equal(new[] { "/work/part001.h264", "/prep/seg001.skip.h264" }, f.Sources));
    }

    [Fact]
    public void Voice_mix_starts_two_frames_before_the_seam_and_the_prepared_music_supplies_the_rest()
    {
        var plan = RenderPlanner.PlanFast(Prepared(true), Request("Hi"), "/work", "/out/.x.partial");
        Assert.DoesNotContain("[aout]", plan.Steps[0].Arguments);
        var args = plan.Steps.Single(s => s.Name == RenderPlanner.MixStep).Arguments.ToList();
        var graph = args[args.IndexOf("-filter_complex") + 1];
        // Voice at sample 336000 (frame 210 at 30 fps): the prefix keeps 328 AAC frames, i.e. samples up to 334848;
        // the mix starts 2 frames earlier, at 332800, so the voice is 3200 samples into it.
        Assert.Contains("atrim=start_sample=332800,asetpts=PTS-STARTPTS", graph);
        Assert.Contains("adelay=delays=3200S:all=1", graph);
        Assert.Contains("atrim=end=2.9", graph); // 87 frames at 30 fps: the voice can never overrun its slot
        Assert.Contains("if(between(t,0.066667,2.966667),0.3,1)", graph);
        Assert.Equal("adts", args[^2]);
        // The voice slot ends at sample 475200 (frame 297): bed frame 467 is the second whose window starts after it, so
        // the track resumes there; the mix writes its 3 dropped frames, 467 - 328 kept ones and one more.
        Assert.Equal("143", args[args.IndexOf("-frames:a") + 1]);
        Assert.Equal(new AudioFeed("/work/audio.aac", "/prep/music.aac", "/work/mix.aac", new AudioSplice(328), Voice: "/work/voice.wav",
            ResumeFrame: 467), plan.Audio);
        Assert.Equal(3, plan.Audio!.Splice!.DropFrames);
        Assert.Equal(142, plan.Audio.Splice.MixedFrameAt(467)); // the track keeps mixed frames 3 to 141, then bed frame 467 on
        Assert.Equal("/work/voice.wav", args[args.IndexOf("wav") + 2]); // the engine puts the voice there once it is spoken
    }

    [Fact]
    public void Without_voice_the_prepared_music_is_the_whole_track_and_nothing_is_mixed()
    {
        var plan = RenderPlanner.PlanFast(Prepared(true), Request("Hi") with { VoiceWav = null }, "/work", "/out/.x.partial");
        Assert.Equal(new[] { "personalise", "assemble" }, plan.Steps.Select(s => s.Name));
        Assert.Equal(new AudioFeed("/work/audio.aac", "/prep/music.aac"), plan.Audio);
    }

    [Theory]
    [InlineData(120, 87, 326)] // moving footage: the voice ends at sample 331200, the bed takes over 3 s before the clip ends
    [InlineData(210, 87, 467)]
    [InlineData(213, 87, null)] // the voice slot ends with the clip: nothing to resume
    [InlineData(210, 89, null)] // frame 470's window would run past the clip's end
    public void The_track_goes_back_to_the_prepared_bed_two_frames_after_the_voice(int start, int frames, int? resume)
    {
        var t = Template with { Voice = Template.Voice! with { StartFrame = start, MaxFrames = frames } };
        var splice = AudioSplice.Before(FilterGraph.VoiceStartSample(t))!;
        Assert.Equal(resume, splice.ResumeFrame(t));
        var args = RenderPlanner.MixArgs(Prepared(true) with { Template = t, VoiceSplice = splice }, "/work/voice.wav", "/work/mix.aac").ToList();
        if (resume is { } r)
        {
            var voiceEnd = (start + frames) * 1600;
            Assert.True((r - 2) * 1024 >= voiceEnd && (r - 3) * 1024 < voiceEnd, "one frame of margin after the first whose window starts after the voice");
            Assert.Equal($"{splice.DropFrames + r - splice.PrefixFrames + AudioSplice.PostrollFrames}", args[args.IndexOf("-frames:a") + 1]);
        }
        else Assert.DoesNotContain("-frames:a", args);
    }

    [Fact]
    public void A_voice_too_early_to_splice_is_mixed_from_the_start()
    {
        Assert.Null(AudioSplice.Before(3 * 1024 - 1));
        var plan = RenderPlanner.PlanFast(Prepared(true) with { VoiceSplice = null }, Request("Hi"), "/work", "/out/.x.partial");
        var graph = plan.Steps[1].Arguments.SkipWhile(a => a != "-filter_complex").ElementAt(1);
        Assert.DoesNotContain("atrim=start_sample", graph);
        Assert.Contains("adelay=delays=336000S:all=1", graph);
        Assert.Equal(new AudioFeed("/work/audio.aac", "/prep/music.aac", "/work/mix.aac", Voice: "/work/voice.wav"), plan.Audio);
    }

    [Fact]
    public void Full_path_draws_with_frame_index_enables()
    {
        var plan = RenderPlanner.PlanFull(Prepared(true), Request("Hi") with { Grade = "warm" }, "/work", "/out/.x.partial");
        var args = plan.Steps.Single().Arguments.ToList();
        var graph = args[args.IndexOf("-filter_complex") + 1];
        Assert.Contains("enable='between(n,210,299)'", graph);
        Assert.DoesNotContain("between(t,", graph.Split("[aout]")[0].Split("volume=")[0]);
        Assert.Contains("lutyuv=u=(val-128)*1.12+120:v=(val-128)*1.12+136:enable='between(n,210,299)'", graph);
    }

    [Fact]
    public void Filter_escaping_keeps_special_paths_verbatim()
    {
        Assert.Equal(@"/a\\\\b\\\'c\\:d\,e\[f\]\;g", FilterEscape.Value(@"/a\b'c:d,e[f];g"));
        Assert.Equal("'/x/it'\\''s.mp4'", FilterEscape.ConcatPath("/x/it's.mp4"));
    }

    [Fact]
    public void Unknown_or_disallowed_grade_is_refused()
    {
        Assert.Throws<Fleet.Shared.Cli.FleetException>(() => RenderPlanner.PlanFast(Prepared(true), Request("Hi") with { Grade = "sepia" }, "/w", "/o"));
        Assert.Throws<Fleet.Shared.Cli.FleetException>(() => RenderPlanner.PlanFast(Prepared(true), Request("Hi") with { Grade = "vivid" }, "/w", "/o"));
    }
}
