using Fleet.Edge.Privacy;

namespace Fleet.Edge.Node.Tests.Personalisation;

public sealed class UserIdHasherTests
{
    [Fact]
    public void Hash_is_stable_per_device_and_differs_across_devices()
    {
        var dir = ModelFixtures.DataDir();
        var a = new UserIdHasher(dir).Hash("user-17");
        Assert.Equal(a, new UserIdHasher(dir).Hash("user-17"));
        Assert.Equal(64, a.Length);
        Assert.DoesNotContain("user-17", a);
        Assert.NotEqual(a, new UserIdHasher(dir).Hash("user-18"));
        Assert.NotEqual(a, new UserIdHasher(ModelFixtures.DataDir()).Hash("user-17"));
    }

    [Fact]
    public void Salt_is_created_on_first_use_with_owner_only_permissions()
    {
        var hasher = new UserIdHasher(ModelFixtures.DataDir());
        Assert.False(File.Exists(hasher.SaltPath));
        hasher.Hash("someone");
        Assert.Equal(32, new FileInfo(hasher.SaltPath).Length);
        if (!OperatingSystem.IsWindows())
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(hasher.SaltPath));
    }
}
