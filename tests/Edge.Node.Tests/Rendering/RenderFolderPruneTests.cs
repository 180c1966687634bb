using Fleet.Edge.Rendering;

namespace Fleet.Edge.Node.Tests.Rendering;

public sealed class RenderFolderPruneTests
{
    [Fact]
    public void The_render_about_to_be_answered_survives_pruning_even_when_its_file_time_is_the_oldest()
    {
        var dir = Directory.CreateTempSubdirectory("fleet-renders-out").FullName;
        try
        {
            var now = DateTime.UtcNow;
            for (var i = 0; i < RenderEndpoints.KeptRenders + 10; i++)
            {
                var file = Path.Combine(dir, $"r{i:000}.mp4");
                File.WriteAllText(file, "mp4");
                File.SetLastWriteTimeUtc(file, now.AddMinutes(-i));
            }
            // A cache hit copied from a render made long ago: the oldest file time in the folder.
            var answered = Path.Combine(dir, $"r{RenderEndpoints.KeptRenders + 9:000}.mp4");

            RenderEndpoints.Prune(dir, keep: answered);

            Assert.True(File.Exists(answered));
            Assert.Equal(RenderEndpoints.KeptRenders, Directory.GetFiles(dir, "*.mp4").Length);
            Assert.True(File.Exists(Path.Combine(dir, "r000.mp4")));
        }
        finally { Directory.Delete(dir, recursive: true); }
    }
}
