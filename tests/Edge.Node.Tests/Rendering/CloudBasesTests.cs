using Fleet.Edge.Rendering;

namespace Fleet.Edge.Node.Tests.Rendering;

public sealed class CloudBasesTests
{
    [Fact]
    public void A_new_base_keeps_the_current_and_previous_versions_and_touches_nothing_else()
    {
        var root = Directory.CreateTempSubdirectory("fleet-bases-").FullName;
        try
        {
            string[] folders =
            [
                "summer-sale-v1-720p", "summer-sale-v1-1080p", "summer-sale-v2-1080p", "summer-sale-v3-720p", "summer-sale-v3-1080p",
                "summer-sale-vip-v1-720p", "summer-sale-v1-notes", "summer-sale-v1-",
            ];
            foreach (var f in folders) Directory.CreateDirectory(Path.Combine(root, f));

            CloudBases.Prune(root, "summer-sale", 3);

            var left = Directory.EnumerateDirectories(root).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray();
            Assert.Equal(folders.Where(f => f is not ("summer-sale-v1-720p" or "summer-sale-v1-1080p")).Order(StringComparer.Ordinal).ToArray(), left);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
