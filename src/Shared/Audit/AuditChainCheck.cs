namespace Fleet.Shared.Audit;

/// <summary>Walks a log once for its seqs, then again in order, and reports the first line that breaks the chain.</summary>
internal static class AuditChainCheck
{
    public static AuditVerification Run(string path, long limit, AuditHead? signedHead)
    {
        // First pass: which seqs exist at all, to tell a removed entry from one that was moved.
        var present = new HashSet<long>();
        foreach (var line in AuditLines.Read(path, limit))
            if (line.Complete && AuditEntry.TryParse(line.Text) is { } e) present.Add(e.Seq);

        long expected = 1, count = 0, lastLine = 0;
        var prevHash = AuditEntry.GenesisHash;
        AuditEntry? last = null;
        string? hashAtSignedSeq = null;
        foreach (var line in AuditLines.Read(path, limit))
        {
            lastLine = line.Number;
            var broken = Check(line, expected, prevHash, present, out var entry);
            if (broken is not null) return new AuditVerification(count, Head(last), broken);
            if (entry!.Seq == signedHead?.Seq) hashAtSignedSeq = entry.Hash;
            prevHash = entry.Hash;
            last = entry;
            expected++;
            count++;
        }
        if (signedHead is not null)
        {
            if (hashAtSignedSeq is null)
                return new AuditVerification(count, Head(last), new AuditBreak(lastLine + 1, signedHead.Seq, AuditBreakKind.EntryMissing,
                    $"log ends at seq {last?.Seq ?? 0} but a signed head vouches for seq {signedHead.Seq}: entries were cut off"));
            if (hashAtSignedSeq != signedHead.Hash)
                return new AuditVerification(count, Head(last), new AuditBreak(signedHead.Seq, signedHead.Seq, AuditBreakKind.ContentChanged,
                    $"entry seq {signedHead.Seq} differs from the signed head: the chain was rewritten up to it"));
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
