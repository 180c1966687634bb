using Fleet.Shared.Security;
using Fleet.Shared.Tests.Support;

namespace Fleet.Shared.Tests.Security;

public sealed class TokenSignerTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2030, 3, 1, 9, 0, 0, TimeSpan.Zero);
    private static readonly Dictionary<string, string> Claims = new() { ["sub"] = "device-42", ["scope"] = "asset:hero.mp4" };
    private readonly TempDir _dir = new();
    private readonly TokenSigner _signer = new("t1", Enumerable.Range(0, 32).Select(i => (byte)i).ToArray());

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Issued_token_validates_with_its_claims_until_it_expires()
    {
        var token = _signer.Issue(Claims, Now.AddMinutes(5));

        var ok = _signer.Validate(token, Now);
        Assert.True(ok.IsValid, ok.Message);
        Assert.Equal(Claims, ok.Claims);
        Assert.Equal(Now.AddMinutes(5), ok.ExpiresAt);

        Assert.True(_signer.Validate(token, Now.AddMinutes(5).AddSeconds(-1)).IsValid);
        Assert.Equal(RejectionReason.Expired, _signer.Validate(token, Now.AddMinutes(5)).Reason);
    }

    [Fact]
    public void Any_changed_character_is_rejected()
    {
        var token = _signer.Issue(Claims, Now.AddMinutes(5));
        for (var i = 0; i < token.Length; i++)
        {
            var swapped = token[i] == 'A' ? 'B' : 'A';
            var tampered = token[..i] + swapped + token[(i + 1)..];
            var result = _signer.Validate(tampered, Now);
            Assert.False(result.IsValid, $"changing character {i} was accepted");
            Assert.Contains(result.Reason, new RejectionReason?[] { RejectionReason.BadSignature, RejectionReason.Malformed });
        }
    }

    [Fact]
    public void Tampered_claims_and_foreign_keys_are_bad_signatures()
    {
        var token = _signer.Issue(Claims, Now.AddMinutes(5));
        var other = _signer.Issue(new Dictionary<string, string> { ["sub"] = "device-1" }, Now.AddMinutes(5));
        var spliced = string.Join('.', token.Split('.')[0], other.Split('.')[1], token.Split('.')[2]);
        Assert.Equal(RejectionReason.BadSignature, _signer.Validate(spliced, Now).Reason);

        var stranger = new TokenSigner("t1", new byte[32]);
        Assert.Equal(RejectionReason.BadSignature, stranger.Validate(token, Now).Reason);
    }

    [Theory]
    [InlineData("")]
    [InlineData("abc")]
    [InlineData("t1..sig")]
    [InlineData("t1.!!!.@@@")]
    public void Garbage_is_malformed(string token) =>
        Assert.Equal(RejectionReason.Malformed, _signer.Validate(token, Now).Reason);

    [Fact]
    public void Keys_persist_in_a_private_folder_and_rotation_keeps_old_tokens_valid()
    {
        var dir = _dir.File("token-keys");
        var first = TokenSigner.OpenOrCreate(dir);
        var oldToken = first.Issue(Claims, Now.AddHours(1));

        var reopened = TokenSigner.OpenOrCreate(dir);
        Assert.Equal(first.ActiveKid, reopened.ActiveKid);
        Assert.True(reopened.Validate(oldToken, Now).IsValid);

        var newKid = reopened.Rotate();
        var newToken = reopened.Issue(Claims, Now.AddHours(1));
        Assert.StartsWith(newKid + ".", newToken);
        var again = TokenSigner.OpenOrCreate(dir);
        Assert.Equal(newKid, again.ActiveKid);
        Assert.True(again.Validate(oldToken, Now).IsValid);
        Assert.True(again.Validate(newToken, Now).IsValid);

        if (!OperatingSystem.IsWindows())
            foreach (var file in Directory.EnumerateFiles(dir))
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
    }
}
