namespace Fleet.Shared.Audit;

/// <summary>Walks a log once for its seqs, then again in order, and reports the first line that breaks the chain.</summary>
internal static class AuditChainCheck
{
    public static AuditVerification Run(string path, long limit, AuditHead? signedHead) =>
        Run(path, limit, signedHead is null ? [] : [signedHead]);

    /// <summary>The chain itself first (its first broken line), then every signed head against the entry at its seq.</summary>
    public static AuditVerification Run(string path, long limit, IReadOnlyList<AuditHead> signedHeads)
    {
        // First pass: which seqs exist at all, to tell a removed entry from one that was moved.
        var present = new HashSet<long>();
        foreach (var line in AuditLines.Read(path, limit))
            if (line.Complete && AuditEntry.TryParse(line.Text) is { } e) present.Add(e.Seq);

        var signedSeqs = signedHeads.Select(h => h.Seq).ToHashSet();
        var hashAt = new Dictionary<long, string>();
        long expected = 1, count = 0, lastLine = 0;
        var prevHash = AuditEntry.GenesisHash;
        AuditEntry? last = null;
        foreach (var line in AuditLines.Read(path, limit))
        {
            lastLine = line.Number;
            var broken = Check(line, expected, prevHash, present, out var entry);
            if (broken is not null) return new AuditVerification(count, Head(last), broken);
            if (signedSeqs.Contains(entry!.Seq)) hashAt[entry.Seq] = entry.Hash;
            prevHash = entry.Hash;
            last = entry;
            expected++;
            count++;
        }
        long? vouched = null; // the highest signed seq the log agrees with
        foreach (var head in signedHeads.OrderBy(h => h.Seq))
        {
            // A head signed over the empty log (a node signs at start, before its first action) vouches only for that.
            if (head.Seq == 0 && head.Hash == AuditEntry.GenesisHash) continue;
            if (!hashAt.TryGetValue(head.Seq, out var hash))
                return new AuditVerification(count, Head(last), new AuditBreak(lastLine + 1, head.Seq, AuditBreakKind.EntryMissing,
                    $"log ends at seq {last?.Seq ?? 0} but a signed head vouches for seq {head.Seq}: entries were cut off"));
            if (hash != head.Hash)
                return new AuditVerification(count, Head(last), new AuditBreak(head.Seq, head.Seq, AuditBreakKind.ContentChanged,
                    $"entry seq {head.Seq} differs from the signed head: the chain was rewritten " +
                    (vouched is { } good ? $"after seq {good} (the last signed head it matches), at or before seq {head.Seq}" : $"at or before seq {head.Seq}")));
            vouched = head.Seq;
        }
        return new AuditVerification(count, Head(last), null);
    }

    private static AuditBreak? Check(AuditLines.Line line, long expected, string prevHash, HashSet<long> present, out AuditEntry? entry)
    {
        entry = null;
        if (!line.Complete) return new AuditBreak(line.Number, null, AuditBreakKind.Malformed, $"line {line.Number} is incomplete (torn write)");
        entry = AuditEntry.TryParse(line.Text);
        if (entry is null) return new AuditBreak(line.Number, null, AuditBreakKind.Malformed, $"line {line.Number} is not an audit entry");
        var at = $"line {line.Number} (seq {entry.Seq})";
        if (entry.ComputeHash() != entry.Hash)
            return new AuditBreak(line.Number, entry.Seq, AuditBreakKind.ContentChanged, $"{at}: content does not match its hash");
        // Same values but different bytes (spacing, key case, escapes) still means someone edited the line.
        if (entry.ToLine() != line.Text)
            return new AuditBreak(line.Number, entry.Seq, AuditBreakKind.ContentChanged, $"{at}: line is not the bytes that were written");
        if (entry.Seq > expected)
            return present.Contains(expected)
                ? new AuditBreak(line.Number, entry.Seq, AuditBreakKind.OutOfOrder, $"{at}: expected seq {expected}, which appears later (entries swapped or moved)")
                : new AuditBreak(line.Number, entry.Seq, AuditBreakKind.EntryMissing, $"{at}: seq {expected}{(entry.Seq - 1 > expected ? $"..{entry.Seq - 1}" : "")} missing before this entry");
        if (entry.Seq < expected)
            return new AuditBreak(line.Number, entry.Seq, AuditBreakKind.OutOfOrder, $"{at}: seq {entry.Seq} comes after seq {expected - 1} (entries swapped, moved or duplicated)");
        if (entry.PrevHash != prevHash)
            return new AuditBreak(line.Number, entry.Seq, AuditBreakKind.BadPrevLink, $"{at}: prev_hash does not match the hash of seq {expected - 1}");
        return null;
    }

    private static AuditHead? Head(AuditEntry? last) => last is null ? null : new AuditHead(last.Seq, last.Hash, last.At);
}
