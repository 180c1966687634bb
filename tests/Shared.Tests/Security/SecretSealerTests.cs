using System.Text;
using Fleet.Shared.Cli;
using Fleet.Shared.Security;

namespace Fleet.Shared.Tests.Security;

public sealed class SecretSealerTests
{
    private static readonly SecretSealer Sealer = new("the deployment's key secret, 32+"u8);
    private static readonly byte[] Plain = Encoding.UTF8.GetBytes("a private signing key");

    [Fact]
    public void A_sealed_value_opens_under_the_same_secret_and_label_and_never_shows_the_plain_text()
    {
        var sealedText = Sealer.Seal(Plain, "signing-key:k1");
        Assert.DoesNotContain("private", sealedText);
        Assert.Equal(Plain, Sealer.TryUnseal(sealedText, "signing-key:k1"));
        Assert.NotEqual(sealedText, Sealer.Seal(Plain, "signing-key:k1")); // a fresh nonce every time
    }

    [Fact]
    public void Any_altered_byte_is_refused()
    {
        var sealedText = Sealer.Seal(Plain, "signing-key:k1");
        var raw = Convert.FromBase64String(sealedText["v1.".Length..]);
        for (var i = 0; i < raw.Length; i++)
        {
            var tampered = (byte[])raw.Clone();
            tampered[i] ^= 0x01;
            Assert.Null(Sealer.TryUnseal("v1." + Convert.ToBase64String(tampered), "signing-key:k1"));
        }
        Assert.Null(Sealer.TryUnseal("v1." + Convert.ToBase64String(raw[..^1]), "signing-key:k1"));
        Assert.Null(Sealer.TryUnseal("v2." + sealedText["v1.".Length..], "signing-key:k1"));
        Assert.Null(Sealer.TryUnseal("v1.not base64!", "signing-key:k1"));
    }

    [Fact]
    public void Another_secret_or_another_row_label_does_not_open_it()
    {
        var sealedText = Sealer.Seal(Plain, "signing-key:k1");
        Assert.Null(new SecretSealer("another deployment's secret...."u8).TryUnseal(sealedText, "signing-key:k1"));
        Assert.Null(Sealer.TryUnseal(sealedText, "signing-key:k2"));
    }

    [Fact]
    public void A_short_secret_is_refused_with_a_hint()
    {
        var e = Assert.Throws<FleetException>(() => new SecretSealer("short"u8));
        Assert.Contains("openssl rand -base64 32", e.Message);
    }
}
