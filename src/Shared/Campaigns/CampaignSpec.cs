namespace Fleet.Shared.Campaigns;

/// <summary>A campaign as an operator writes it (<c>campaign.json</c>): the approved copy, its rules and its assets.</summary>
public sealed record CampaignSpec
{
    public required string Id { get; init; }
    public required string Name { get; init; }
    /// <summary>File name of the template inside the campaign folder.</summary>
    public string Template { get; init; } = "template.json";
    public VoiceSpec Voice { get; init; } = new();
    public required IReadOnlyList<CopyVariant> Headlines { get; init; }
    public required IReadOnlyList<CopyVariant> Ctas { get; init; }
    /// <summary>Shown when personalisation or the safety filter cannot produce approved copy.</summary>
    public required DefaultCopy DefaultCopy { get; init; }
    public CopyRules Rules { get; init; } = new();
    /// <summary>Slot values used when the device's local data has none (e.g. <c>price</c>).</summary>
    public IReadOnlyDictionary<string, string> FieldDefaults { get; init; } = new Dictionary<string, string>();
    public RenderBudget Budget { get; init; } = new();
    /// <summary>Asset name of the pre-rendered creative shown when nothing else can produce a valid ad.</summary>
    public required string StaticCreative { get; init; }
    public required IReadOnlyList<AssetRef> Assets { get; init; }
    /// <summary>Share of impressions (0..1) that show <see cref="StaticCreative"/> as the control group (arm <c>holdout</c>),
    /// chosen per render by a deterministic hash of the render id; 0 (default) means none.</summary>
    public double Holdout { get; init; }
    /// <summary>Share of copy choices (0..1) made uniformly at random instead of by the bandit; 0 (default) leaves
    /// exploration to Thompson sampling alone.</summary>
    public double Exploration { get; init; }
    /// <summary>The language of the default copy pool: a context in this language uses it without a fallback.</summary>
    public string Locale { get; init; } = CampaignLocales.DefaultLocale;
    /// <summary>Copy pools by locale (<c>de</c>, <c>pt-PT</c>); see <see cref="CampaignLocales"/>. Null: the default pool only.</summary>
    public IReadOnlyDictionary<string, LocaleCopy>? Locales { get; init; }
}

/// <summary>One locale's approved copy, voice and extra blocked words; everything else comes from the campaign.</summary>
public sealed record LocaleCopy
{
    public VoiceSpec? Voice { get; init; }
    public required IReadOnlyList<CopyVariant> Headlines { get; init; }
    public required IReadOnlyList<CopyVariant> Ctas { get; init; }
    public required DefaultCopy DefaultCopy { get; init; }
    /// <summary>Words the safety filter blocks in this locale, besides the campaign's own blocklist.</summary>
    public IReadOnlyList<string> Blocklist { get; init; } = [];
}

/// <summary>One approved headline or CTA; text may hold slots such as <c>{{price}}</c>.</summary>
public sealed record CopyVariant(string Id, string Text, IReadOnlyList<string>? Tags = null);

public sealed record DefaultCopy(string Headline, string Cta);

/// <summary>espeak-ng voice name and speaking rate in words per minute.</summary>
public sealed record VoiceSpec(string Name = "en-us", int Rate = 175);

/// <summary>The safety filter's rules: length limits, blocked words and the brand's own spellings.</summary>
public sealed record CopyRules
{
    public int MaxHeadlineChars { get; init; } = 60;
    public int MaxCtaChars { get; init; } = 32;
    public IReadOnlyList<string> Blocklist { get; init; } = Array.Empty<string>();
    /// <summary>Brand terms that must appear exactly as written here (e.g. "SunCo", never "Sunco").</summary>
    public IReadOnlyList<string> BrandLexicon { get; init; } = Array.Empty<string>();
}

public sealed record RenderBudget(int Ms = 300, bool AllowCloud = true);

/// <summary>A file of the campaign: name used by templates, path inside the folder, and its sha256 when pinned.</summary>
public sealed record AssetRef(string Name, string Path, string? Sha256 = null);
