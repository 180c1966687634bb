using Fleet.Shared.Rendering;

namespace Fleet.Shared.Tests.Rendering;

/// <summary>
/// The wire form of every render fallback, pinned: render results, telemetry, reports, the console and the audit log group
/// renders by these exact strings, so a change here is a change to every dashboard.
/// </summary>
public sealed class RenderFallbackTests
{
    public static TheoryData<RenderFallback, string> Reasons => new()
    {
        { RenderFallback.Killed("kill-1"), "policy:static-creative:kill-1" },
        { RenderFallback.KilledInFlight("kill-3"), "policy:static-creative:kill-3:cancelled-in-flight" },
        { RenderFallback.ModelKilled("kill-2"), "policy:default-copy:kill-2" },
        { RenderFallback.AssetQuarantined, "render:static-creative:asset-quarantined" },
        { RenderFallback.DefaultCopyUnsafe, "render:static-creative:default-copy-unsafe" },
        { RenderFallback.PreviewReplaced, "render:preview-replaced-by-default-copy" },
        { RenderFallback.LocalRender(720, "budget"), "delegate:local-720p:budget" },
        { RenderFallback.PrepareFailed("ffmpeg exited 1"), "composite:static-creative:prepare-failed:ffmpeg exited 1" },
        { RenderFallback.UnexpectedReply, "composite:static-creative:unexpected-reply" },
        { RenderFallback.CaptionsOnly("espeak-missing"), "speech:captions-only:espeak-missing" },
        { RenderFallback.OverDeadline(TimeSpan.FromMilliseconds(800)), "render:static-creative:over-deadline-800ms" },
        { RenderFallback.OverDeadline(TimeSpan.FromSeconds(20)), "render:static-creative:over-deadline-20000ms" },
        { RenderFallback.Crashed("FleetException", "slot price too long"), "render:static-creative:FleetException:slot price too long" },
    };

    [Theory]
    [MemberData(nameof(Reasons))]
    public void Each_reason_keeps_its_wire_form(RenderFallback reason, string wire) => Assert.Equal(wire, reason.ToString());

    [Fact]
    public void The_parts_say_which_stage_gave_way_and_to_what()
    {
        var reason = RenderFallback.KilledInFlight("kill-3");
        Assert.Equal(("policy", RenderFallback.StaticCreative, "kill-3:cancelled-in-flight"), (reason.Stage, reason.To, reason.Why));
        Assert.Null(RenderFallback.PreviewReplaced.Why);
    }
}
