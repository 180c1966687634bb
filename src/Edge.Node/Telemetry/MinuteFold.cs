using Fleet.Shared.Telemetry;

namespace Fleet.Edge.Telemetry;

/// <summary>
/// Pure folding of render events, interactions and resource samples into an <see cref="OpenMinute"/>, and sealing a
/// minute into the aggregate that is uploaded, with k-anonymity applied. No I/O, no clock: the actor supplies both.
/// </summary>
public static class MinuteFold
{
    public static DateTimeOffset MinuteOf(DateTimeOffset t) =>
        new(t.UtcTicks - t.UtcTicks % TimeSpan.TicksPerMinute, TimeSpan.Zero);

    public static GroupKey KeyOf(RenderEvent e) =>
        new(TelemetryText.Id(e.CampaignId), TelemetryText.Version(e.CampaignVersion), TelemetryText.Version(e.ModelVersion), TelemetryText.Id(e.TemplateId));

    public static OpenMinute Add(OpenMinute m, RenderEvent e)
    {
        var key = KeyOf(e);
        var g = m.Groups.GetValueOrDefault(key.Text) ?? OpenGroup.For(key);
        var user = TelemetryText.UserHash(e.UserHash);
        var variants = new Dictionary<string, OpenVariant>(g.Variants);
        foreach (var id in new[] { e.HeadlineVariantId, e.CtaVariantId }.Where(v => !string.IsNullOrEmpty(v)).Select(TelemetryText.Id).Distinct())
        {
            var v = variants.GetValueOrDefault(id) ?? OpenVariant.Zero;
            variants[id] = v with { Renders = v.Renders + 1, Users = WithUser(v.Users, user) };
        }
        var stages = new Dictionary<string, double>(g.StageMsSum);
        foreach (var (stage, ms) in e.StageMs) { var s = TelemetryText.Id(stage); stages[s] = stages.GetValueOrDefault(s) + Math.Max(0, ms); }
        // Render times are of renders that ran the pipeline: a cache hit's lookup would make a canary that renders look
        // slow next to a baseline that replays (the rollout gates compare these); cache hits are counted apart.
        var buckets = new Dictionary<int, long>(g.RenderMsBuckets);
        if (!e.CacheHit)
        {
            var bucket = LatencyHistogram.BucketOf(e.TotalMs);
            buckets[bucket] = buckets.GetValueOrDefault(bucket) + 1;
        }
        var updated = g with
        {
            Renders = g.Renders + 1,
            Successes = g.Successes + (e.Success ? 1 : 0),
            CacheHits = g.CacheHits + (e.CacheHit ? 1 : 0),
            FallbackRenders = g.FallbackRenders + (e.Fallbacks.Count > 0 ? 1 : 0),
            SafetyBlocks = g.SafetyBlocks + Math.Max(0, e.SafetyBlocks),
            AudioSeconds = g.AudioSeconds + Math.Max(0, e.AudioSeconds),
            Fallbacks = Count(g.Fallbacks, e.Fallbacks.Select(TelemetryText.Reason)),
            Encoders = Count(g.Encoders, new[] { TelemetryText.Id(e.Encoder) }),
            StageMsSum = stages,
            RenderMsBuckets = buckets,
            Variants = variants,
            Users = WithUser(g.Users, user),
        };
        return m with { Groups = With(m.Groups, key.Text, updated) };
    }

    /// <summary>Adds an impression or click to the group <paramref name="key"/> (the campaign's latest render's group).</summary>
    public static OpenMinute Add(OpenMinute m, Interaction i, GroupKey key)
    {
        var g = m.Groups.GetValueOrDefault(key.Text) ?? OpenGroup.For(key);
        var user = TelemetryText.UserHash(i.UserHash);
        var id = TelemetryText.Id(i.VariantId);
        var v = g.Variants.GetValueOrDefault(id) ?? OpenVariant.Zero;
        v = i.Kind == InteractionKind.Click
            ? v with { Clicks = v.Clicks + 1, Users = WithUser(v.Users, user) }
            : v with { Impressions = v.Impressions + 1, Users = WithUser(v.Users, user) };
        var updated = g with { Variants = With(g.Variants, id, v), Users = WithUser(g.Users, user) };
        return m with { Groups = With(m.Groups, key.Text, updated) };
    }

    /// <summary>The group of a shown render: its exact campaign version, model and template (as its render event's).</summary>
    public static GroupKey KeyOf(Player.ShownRender r) =>
        new(TelemetryText.Id(r.CampaignId), TelemetryText.Version(r.CampaignVersion), TelemetryText.Version(r.ModelVersion), TelemetryText.Id(r.TemplateId));

    /// <summary>
    /// Adds newly counted player events to the render's own group: its arm's row (impressions, quartiles, completes,
    /// clicks, dwell) and, for a personalised render, the rows of the exact headline and CTA shown. A holdout render
    /// showed the static creative, so it has an arm row but credits no copy variant.
    /// </summary>
    public static OpenMinute Add(OpenMinute m, Player.PlayerOutcome o)
    {
        var r = o.Render;
        var key = KeyOf(r);
        var g = m.Groups.GetValueOrDefault(key.Text) ?? OpenGroup.For(key);
        var user = TelemetryText.UserHash(r.UserHash);
        long Has(string slot) => o.Slots.Contains(slot) ? 1 : 0;
        var dwell = Has(Player.PlayerEventKinds.Dwell) == 1 ? Math.Max(0, o.DwellMs) : 0;
        var variants = g.Variants;
        var learning = g.Learning;
        if (r.Arm == ArmCounts.Personalised)
        {
            learning = Learn(g.Learning, r, user, Has(Player.PlayerEventKinds.ImpressionStart), Has(Player.PlayerEventKinds.Click),
                Has(Player.PlayerEventKinds.Complete));
            var changed = new Dictionary<string, OpenVariant>(g.Variants);
            foreach (var id in new[] { r.HeadlineId, r.CtaId }.Select(TelemetryText.Id).Distinct())
            {
                var v = changed.GetValueOrDefault(id) ?? OpenVariant.Zero;
                changed[id] = v with
                {
                    Impressions = v.Impressions + Has(Player.PlayerEventKinds.ImpressionStart),
                    Clicks = v.Clicks + Has(Player.PlayerEventKinds.Click),
                    Completes = v.Completes + Has(Player.PlayerEventKinds.Complete),
                    DwellMsSum = v.DwellMsSum + dwell,
                    Users = WithUser(v.Users, user),
                };
            }
            variants = changed;
        }
        var arms = new Dictionary<string, ArmCounts>(g.Arms ?? new Dictionary<string, ArmCounts>());
        var a = arms.GetValueOrDefault(r.Arm) ?? ArmCounts.Zero(r.Arm);
        arms[r.Arm] = a with
        {
            Impressions = a.Impressions + Has(Player.PlayerEventKinds.ImpressionStart),
            Q25 = a.Q25 + Has(Player.PlayerEventKinds.Q25),
            Q50 = a.Q50 + Has(Player.PlayerEventKinds.Q50),
            Q75 = a.Q75 + Has(Player.PlayerEventKinds.Q75),
            Completes = a.Completes + Has(Player.PlayerEventKinds.Complete),
            Clicks = a.Clicks + Has(Player.PlayerEventKinds.Click),
            DwellMsSum = a.DwellMsSum + dwell,
        };
        var updated = g with { Variants = variants, Arms = arms, Learning = learning, Users = WithUser(g.Users, user) };
        return m with { Groups = With(m.Groups, key.Text, updated) };
    }

    /// <summary>
    /// Credits the rewarding events (impression start, click, complete) to the render's exact headline and CTA in its
    /// context bucket. A bucket that is not a place/time key (an old ledger entry, a malformed value) teaches nothing.
    /// </summary>
    private static IReadOnlyDictionary<string, OpenLearning>? Learn(IReadOnlyDictionary<string, OpenLearning>? learning, Player.ShownRender r,
        string? user, long impressions, long clicks, long completes)
    {
        if (impressions + clicks + completes == 0 || !Fleet.Shared.Learning.BucketKey.IsValid(r.Bucket)) return learning;
        var changed = new Dictionary<string, OpenLearning>(learning ?? new Dictionary<string, OpenLearning>());
        foreach (var id in new[] { r.HeadlineId, r.CtaId }.Select(TelemetryText.Id).Distinct())
        {
            var key = OpenLearning.KeyOf(r.Bucket, id);
            var row = changed.GetValueOrDefault(key) ?? new OpenLearning(r.Bucket, id, 0, 0, 0, Array.Empty<string>());
            changed[key] = row with
            {
                Impressions = row.Impressions + impressions, Clicks = row.Clicks + clicks, Completes = row.Completes + completes,
                Users = WithUser(row.Users, user),
            };
        }
        return changed;
    }

    /// <summary>
    /// An arm row as sent: the cloud refuses a row with any count above its impressions. Within a minute that holds by
    /// construction (a later event implies the earlier ones); a late event whose impression was sealed in an earlier
    /// minute is counted only up to the impressions of the minute it lands in.
    /// </summary>
    public static ArmCounts Admissible(ArmCounts a) => a with
    {
        Q25 = Math.Min(a.Q25, a.Impressions),
        Q50 = Math.Min(a.Q50, a.Impressions),
        Q75 = Math.Min(a.Q75, a.Impressions),
        Completes = Math.Min(a.Completes, a.Impressions),
        Clicks = Math.Min(a.Clicks, a.Impressions),
    };

    public static OpenMinute Add(OpenMinute m, ResourceSample s) => m with { Samples = m.Samples.Append(s).ToList() };

    /// <summary>Counts one stored file that failed its sha256 check (a device operation, like a render count: no user data).</summary>
    public static OpenMinute AddQuarantined(OpenMinute m) => m with { QuarantinedAssets = m.QuarantinedAssets + 1 };

    /// <summary>
    /// Seals a minute for upload. k-anonymity: a variant row whose events came from 1..k-1 distinct identified users is
    /// suppressed (dropped and counted in <see cref="TelemetryAggregate.SuppressedRows"/>), and so are a group's arm rows
    /// when the group's events came from 1..k-1 identified users (they tell what those users watched and clicked);
    /// distinct-user counts below k are never sent. Render counts, timings and fallbacks are device operations, not user
    /// data, and always stay.
    /// </summary>
    public static TelemetryAggregate Seal(OpenMinute m, int k)
    {
        var suppressed = 0;
        var groups = new List<GroupAggregate>();
        foreach (var g in m.Groups.Values.OrderBy(g => g.Key.Text, StringComparer.Ordinal))
        {
            var variants = new List<VariantCounts>();
            foreach (var (id, v) in g.Variants.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            {
                if (v.Users.Count is > 0 && v.Users.Count < k) { suppressed++; continue; }
                variants.Add(new VariantCounts(id, v.Renders, v.Impressions, v.Clicks, v.Users.Count >= k ? v.Users.Count : null, v.Completes, v.DwellMsSum));
            }
            var armsHidden = g.Users.Count is > 0 && g.Users.Count < k && g.Arms is { Count: > 0 };
            if (armsHidden) suppressed += g.Arms!.Count;
            groups.Add(new GroupAggregate(g.Key.CampaignId, g.Key.CampaignVersion, g.Key.ModelVersion, g.Key.TemplateId,
                g.Renders, g.Successes, g.CacheHits, g.FallbackRenders, g.SafetyBlocks, g.AudioSeconds, g.Fallbacks, g.Encoders, g.StageMsSum,
                new LatencyHistogram(g.RenderMsBuckets), variants, g.Users.Count >= k ? g.Users.Count : null, armsHidden ? null : SealArms(g.Arms),
                SealLearning(g.Learning, k, ref suppressed)));
        }
        return new TelemetryAggregate(m.Start, 1, groups, Summarise(m.Samples), suppressed, m.QuarantinedAssets);
    }

    /// <summary>
    /// Learning rows as sent: a row whose events came from 1..k-1 identified users is suppressed like a variant row; counts
    /// are made admissible (clicks and completes at most the impressions, as for arm rows); at most
    /// <see cref="Fleet.Shared.Learning.PriorRow.MaxPerGroup"/> rows, the most-shown first.
    /// </summary>
    private static IReadOnlyList<Fleet.Shared.Learning.PriorRow>? SealLearning(IReadOnlyDictionary<string, OpenLearning>? learning, int k, ref int suppressed)
    {
        if (learning is null || learning.Count == 0) return null;
        var rows = new List<Fleet.Shared.Learning.PriorRow>();
        foreach (var l in learning.Values)
        {
            if (l.Users.Count is > 0 && l.Users.Count < k) { suppressed++; continue; }
            rows.Add(new Fleet.Shared.Learning.PriorRow(l.Bucket, l.VariantId, l.Impressions, Math.Min(l.Clicks, l.Impressions), Math.Min(l.Completes, l.Impressions)));
        }
        var kept = rows.OrderByDescending(r => r.Impressions).Take(Fleet.Shared.Learning.PriorRow.MaxPerGroup)
            .OrderBy(r => r.Bucket, StringComparer.Ordinal).ThenBy(r => r.VariantId, StringComparer.Ordinal).ToList();
        suppressed += rows.Count - kept.Count;
        return kept.Count == 0 ? null : kept;
    }

    private static IReadOnlyList<ArmCounts>? SealArms(IReadOnlyDictionary<string, ArmCounts>? arms) =>
        arms is null || arms.Count == 0 ? null
            : arms.Values.Select(Admissible).OrderBy(a => ArmCounts.Names.ToList().IndexOf(a.Arm)).ThenBy(a => a.Arm, StringComparer.Ordinal).ToList();

    public static ResourceSummary? Summarise(IReadOnlyList<ResourceSample> samples)
    {
        if (samples.Count == 0) return null;
        static double? Avg(IEnumerable<double?> xs) { var v = xs.OfType<double>().ToList(); return v.Count == 0 ? null : Math.Round(v.Average(), 2); }
        static double? Max(IEnumerable<double?> xs) { var v = xs.OfType<double>().ToList(); return v.Count == 0 ? null : Math.Round(v.Max(), 2); }
        return new ResourceSummary(samples.Count, Avg(samples.Select(s => s.CpuPercent)), Max(samples.Select(s => s.CpuPercent)),
            Max(samples.Select(s => s.MemoryUsedMb)), Max(samples.Select(s => s.ProcessRssMb)), Max(samples.Select(s => s.TemperatureC)),
            Avg(samples.Select(s => s.NpuPercent)));
    }

    private static IReadOnlyList<string> WithUser(IReadOnlyList<string> users, string? user) =>
        user is null || users.Contains(user) ? users : users.Append(user).ToList();

    private static Dictionary<string, long> Count(IReadOnlyDictionary<string, long> counts, IEnumerable<string> keys)
    {
        var d = new Dictionary<string, long>(counts);
        foreach (var key in keys) d[key] = d.GetValueOrDefault(key) + 1;
        return d;
    }

    private static Dictionary<string, T> With<T>(IReadOnlyDictionary<string, T> d, string key, T value) =>
        new(d) { [key] = value };
}
