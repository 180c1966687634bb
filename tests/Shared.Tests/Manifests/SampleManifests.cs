using System.Security.Cryptography;
using Fleet.Shared.Campaigns;
using Fleet.Shared.Manifests;

namespace Fleet.Shared.Tests.Manifests;

internal static class SampleManifests
{
    public static readonly DateTimeOffset Issued = new(2030, 5, 1, 12, 0, 0, TimeSpan.Zero);

    public static string Sha(string text) => Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text)));

    public static Manifest Create(int version = 1) => new()
    {
        CampaignId = "sunco-summer",
        Version = version,
        Template = new ArtifactRef("summer-template", "1.2.0", Sha("template")),
        Model = ArtifactRef.Parse("all-MiniLM-L6-v2@1.0.0", Sha("model")),
        Voice = new VoiceSpec("en-gb", 160),
        Copy = new CopyPool(
            [new CopyVariant("h1", "Stay cool for {{price}}", ["price"]), new CopyVariant("h2", "Summer, sorted — ünïcødé")],
            [new CopyVariant("c1", "Shop now")]),
        DefaultCopy = new DefaultCopy("Summer, sorted", "Shop now"),
        Rules = new CopyRules { Blocklist = ["free"], BrandLexicon = ["SunCo"] },
        FieldDefaults = new Dictionary<string, string> { ["store"] = "Leeds", ["price"] = "£4" },
        Budget = new RenderBudget(250, AllowCloud: false),
        StaticCreative = "static.mp4",
        Assets =
        [
            new ManifestAsset("hero.mp4", Sha("hero"), 1_234_567, "https://cdn.example/a/hero.mp4"),
            new ManifestAsset("static.mp4", Sha("static"), 99_000, "https://cdn.example/a/static.mp4"),
        ],
        IssuedAt = Issued,
        ExpiresAt = Issued.AddDays(7),
    };
}
