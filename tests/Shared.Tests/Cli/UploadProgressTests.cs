using Fleet.Shared.Cli;
using Fleet.Shared.Tests.Support;

namespace Fleet.Shared.Tests.Cli;

/// <summary>Upload progress counts what the HTTP client reads, redraws at most five times a second and ends with one final line.</summary>
public sealed class UploadProgressTests
{
    [Fact]
    public async Task Reading_a_wrapped_stream_reports_the_bytes_sent_and_ends_with_the_whole_size()
    {
        var clock = new ManualClock(DateTimeOffset.UnixEpoch.AddYears(50));
        var output = new StringWriter();
        var data = new byte[3 * 1_048_576];
        var progress = new UploadProgress("publish", data.Length, output, clock);
        await using var stream = progress.Wrap(new MemoryStream(data));

        var buffer = new byte[1_048_576];
        Assert.Equal(buffer.Length, await stream.ReadAsync(buffer));
        Assert.Equal("\rpublish: 1.0 of 3.0 MB (33 %)", output.ToString());
        Assert.Equal(buffer.Length, stream.Read(buffer, 0, buffer.Length)); // within 200 ms of the last line: not redrawn
        Assert.Equal("\rpublish: 1.0 of 3.0 MB (33 %)", output.ToString());
        clock.Now += TimeSpan.FromMilliseconds(250);
        Assert.Equal(buffer.Length, await stream.ReadAsync(buffer));
        Assert.Equal(0, await stream.ReadAsync(buffer));

        Assert.Equal("\rpublish: 1.0 of 3.0 MB (33 %)\rpublish: 3.0 of 3.0 MB (100 %)" + Environment.NewLine, output.ToString());
    }

    [Fact]
    public void Json_output_never_gets_progress()
    {
        Assert.Null(UploadProgress.ForCli(Publish("dir", "--progress", "--json"), "publish", 10));
        Assert.NotNull(UploadProgress.ForCli(Publish("dir", "--progress"), "publish", 10));
    }

    private static System.CommandLine.ParseResult Publish(params string[] argv)
    {
        var publish = new System.CommandLine.Command("publish") { new System.CommandLine.Argument<string>("dir"), UploadProgress.Flag, FleetCli.Json };
        var parsed = publish.Parse(argv);
        Assert.Empty(parsed.Errors);
        return parsed;
    }
}
