namespace Fleet.Cloud.Keys;

/// <summary>
/// When an old signing key leaves the trust set by itself (<c>--retire-after</c>, <c>--write-off-after</c>): once its
/// successor has been active that long and every device confirmed a trust version that holds the successor, or was
/// written off (not seen for the write-off period). Until then devices may still need the old key to verify what it
/// signed, so it stays trusted; a retired key is listed as revoked, and devices re-fetch what it signed.
/// </summary>
public static class KeyRetirement
{
    /// <param name="RetireAfter">How long a successor is active before the old key may retire; null: old keys never retire by themselves.</param>
    public sealed record Policy(TimeSpan? RetireAfter, TimeSpan WriteOffAfter)
    {
        /// <summary>By then every manifest an old key signed has expired or been renewed, so retiring it makes no device re-fetch.</summary>
        public static readonly TimeSpan DefaultRetireAfter = Campaigns.CampaignStoreActor.ManifestLifetime;
        public static readonly TimeSpan DefaultWriteOffAfter = TimeSpan.FromDays(30);
        public static readonly Policy Default = new(DefaultRetireAfter, DefaultWriteOffAfter);
    }

    /// <summary>Where one superseded key stands: due once <see cref="RetiresAfter"/> passed and nobody is <see cref="WaitingFor"/>.</summary>
    /// <param name="WaitingFor">Devices, not written off, that have not confirmed a trust version holding the successor.</param>
    public sealed record OldKey(string Kid, DateTimeOffset SupersededAt, DateTimeOffset? RetiresAfter, IReadOnlyList<string> WaitingFor, bool Due);

    public static IReadOnlyList<OldKey> Plan(IReadOnlyList<(string Kid, DateTimeOffset SupersededAt)> superseded,
        IReadOnlyList<TrustStatus.DeviceTrust> devices, DateTimeOffset now, Policy policy) =>
        superseded.Select(k =>
        {
            var holdsSuccessor = k.SupersededAt.ToUnixTimeMilliseconds();
            var waiting = devices
                .Where(d => !(d.TrustVersion >= holdsSuccessor) && !WrittenOff(d, now, policy.WriteOffAfter))
                .Select(d => d.DeviceId).ToList();
            var after = k.SupersededAt + policy.RetireAfter;
            return new OldKey(k.Kid, k.SupersededAt, after, waiting, after <= now && waiting.Count == 0);
        }).ToList();

    /// <summary>A device not seen for the write-off period no longer holds old keys in place (it re-syncs when it returns).</summary>
    public static bool WrittenOff(TrustStatus.DeviceTrust d, DateTimeOffset now, TimeSpan writeOffAfter) =>
        d.LastSeen is null || now - d.LastSeen >= writeOffAfter;
}
