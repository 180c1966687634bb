using Akka.Actor;
using Akka.TestKit.Xunit2;
using Fleet.Cloud.Audit;
using Fleet.Shared.Cluster.Attestation;

namespace Fleet.Cloud.Node.Tests.Audit;

public sealed class MemberRefusalAuditTests : TestKit
{
    [Fact]
    public void A_refused_member_is_written_to_the_cloud_audit_log()
    {
        var dir = Path.Combine(Path.GetTempPath(), "fleet-audit-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            using var audit = new CloudAudit(dir);
            Sys.ActorOf(MemberRefusalAudit.Props(audit));
            var address = new Address("akka.ssl.tcp", "fleet", "10.0.0.7", 4053);
            // Published until the actor has subscribed (it does so as it starts).
            AwaitAssert(() =>
            {
                Sys.EventStream.Publish(new MemberRefused(address, new[] { "control", "render" }, "it claims role(s) control that certificate of node x does not grant"));
                Assert.Contains(audit.Log.Read(), e => e.Action == MemberRefusalAudit.Action);
            }, TimeSpan.FromSeconds(5), TimeSpan.FromMilliseconds(200));
            var entry = audit.Log.Read().First(e => e.Action == MemberRefusalAudit.Action);
            Assert.Equal("cluster", entry.Actor);
            Assert.Equal("akka.ssl.tcp://fleet@10.0.0.7:4053", entry.Subject);
            Assert.Contains("roles control,render: it claims role(s) control", entry.Detail);
        }
        finally
        {
            try { Directory.Delete(dir, true); } catch (IOException) { }
        }
    }
}
