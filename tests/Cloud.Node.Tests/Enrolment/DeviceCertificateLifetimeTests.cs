using Fleet.Cloud.Hosting;
using Fleet.Shared.Cli;

namespace Fleet.Cloud.Node.Tests.Enrolment;

public sealed class DeviceCertificateLifetimeTests
{
    private static CloudOptions Parse(params string[] args) =>
        CloudOptions.Parse(args.Concat(new[] { "--data", Path.GetTempPath() }).ToArray());

    [Fact]
    public void Device_certificates_live_730_days_unless_told_in_days_or_for_tests_in_seconds()
    {
        Assert.Equal(TimeSpan.FromDays(730), Parse().DeviceCertificateLifetime);
        Assert.Equal(TimeSpan.FromDays(90), Parse("--device-cert-days", "90").DeviceCertificateLifetime);
        Assert.Equal(TimeSpan.FromSeconds(30), Parse("--device-cert-seconds", "30").DeviceCertificateLifetime);
        Assert.Contains("between 5 and", Assert.Throws<UsageException>(() => Parse("--device-cert-seconds", "3")).Message);
        Assert.Contains("not both", Assert.Throws<UsageException>(() => Parse("--device-cert-seconds", "30", "--device-cert-days", "1")).Message);
    }
}
