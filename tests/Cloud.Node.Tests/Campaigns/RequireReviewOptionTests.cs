using Fleet.Cloud.Hosting;
using Fleet.Shared.Cli;

namespace Fleet.Cloud.Node.Tests.Campaigns;

public sealed class RequireReviewOptionTests
{
    private static CloudOptions Parse(params string[] args) =>
        CloudOptions.Parse(args.Concat(["--data", Path.GetTempPath()]).ToArray());

    [Fact]
    public void The_copy_review_requirement_is_off_unless_the_agent_is_started_with_require_review()
    {
        Assert.False(Parse().RequireReview);
        Assert.True(Parse("--require-review").RequireReview);
        Assert.Throws<UsageException>(() => Parse("--require-review=maybe"));
    }
}
