namespace Fleet.Shared.Audit;

/// <summary>What is wrong at the first broken line of an audit log.</summary>
public enum AuditBreakKind
{
    /// <summary>The line is not an audit entry (unparseable or torn).</summary>
    Malformed,
    /// <summary>The entry's bytes are not the ones that were hashed.</summary>
    ContentChanged,
    /// <summary>A seq gap: one or more entries were removed (or the log was truncated before a signed head).</summary>
    EntryMissing,
    /// <summary>A seq that belongs elsewhere: entries swapped, moved or duplicated.</summary>
    OutOfOrder,
    /// <summary>The entry is intact but does not link to the entry before it.</summary>
    BadPrevLink,
    /// <summary>The signed head does not verify against the trust set.</summary>
    HeadRejected,
}

/// <summary>The first broken entry: its 1-based line number, the seq written on it (if readable), and why.</summary>
public sealed record AuditBreak(long Line, long? Seq, AuditBreakKind Kind, string Message);

/// <summary>The result of checking a chain: OK with its head, or the first break.</summary>
public sealed record AuditVerification(long Entries, AuditHead? Head, AuditBreak? Break)
{
    public bool IsValid => Break is null;

    public override string ToString() => Break is null
        ? $"audit log OK: {Entries} entries, head seq {Head?.Seq ?? 0}"
        : $"audit log broken at line {Break.Line}: {Break.Message}";
}
