using System.Text;
using Fleet.Shared.Cli;
using Fleet.Shared.IO;
using Fleet.Shared.Security;

namespace Fleet.Shared.Audit;

/// <summary>
/// Append-only, hash-chained JSON-lines log (edge and cloud). Appends are serialised by a lock and flushed (fsynced by
/// default) before returning, so an acknowledged entry survives a crash; a torn last line from a crash is cut on open.
/// </summary>
public sealed class AuditLog : IDisposable
{
    private readonly object _gate = new();
    private readonly FileStream _file;
    private readonly TimeProvider _clock;
    private readonly bool _fsync;
    private long _lastSeq;
    private string _lastHash = AuditEntry.GenesisHash;
    private long _committedLength;

    private AuditLog(string path, FileStream file, TimeProvider clock, bool fsync)
    {
        Path = path;
        _file = file;
        _clock = clock;
        _fsync = fsync;
    }

    public string Path { get; }

    /// <summary>Opens (or creates) the log; <paramref name="fsync"/> false trades durability for speed (tests, bulk import).</summary>
    public static AuditLog Open(string path, TimeProvider? clock = null, bool fsync = true)
    {
        // Who did what, when: readable by the node's user only.
        PrivateFile.EnsurePrivate(path);
        var file = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read);
        try
        {
            var log = new AuditLog(path, file, clock ?? TimeProvider.System, fsync);
            log.Recover();
            return log;
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    public AuditHead Head { get { lock (_gate) return new AuditHead(_lastSeq, _lastHash, _clock.GetUtcNow()); } }

    public AuditEntry Append(string actor, string action, string subject, string? detail = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(actor);
        ArgumentException.ThrowIfNullOrEmpty(action);
        ArgumentNullException.ThrowIfNull(subject);
        lock (_gate)
        {
            var seq = _lastSeq + 1;
            var at = _clock.GetUtcNow().ToUniversalTime();
            var hash = AuditEntry.ComputeHash(seq, at, actor, action, subject, detail, _lastHash);
            var entry = new AuditEntry(seq, at, actor, action, subject, detail, _lastHash, hash);
            var bytes = Encoding.UTF8.GetBytes(entry.ToLine() + "\n");
            _file.Position = _committedLength;
            _file.Write(bytes);
            _file.Flush(flushToDisk: _fsync);
            _committedLength += bytes.Length;
            _lastSeq = seq;
            _lastHash = hash;
            return entry;
        }
    }

    /// <summary>Entries acknowledged so far, in file order; stops at the first unreadable line.</summary>
    public IEnumerable<AuditEntry> Read()
    {
        foreach (var line in AuditLines.Read(Path, Volatile.Read(ref _committedLength)))
        {
            var entry = line.Complete ? AuditEntry.TryParse(line.Text) : null;
            if (entry is null) throw new FleetException($"{Path}: line {line.Number} is not an audit entry (run verify)");
            yield return entry;
        }
    }

    /// <summary>
    /// Verifies the entries acknowledged so far (a line being appended right now is not read as a torn one); with a
    /// signed head, also proves nothing was cut or rewritten. The head must be read before this call, so the log is at
    /// least as long as the head it is checked against.
    /// </summary>
    public AuditVerification Verify(SignedEnvelope? signedHead = null, TrustSet? trust = null) =>
        Check(Path, Volatile.Read(ref _committedLength), signedHead, trust);

    /// <summary>Verifies any log file, e.g. one copied off a device; with a signed head, also proves nothing was cut or rewritten.</summary>
    public static AuditVerification VerifyFile(string path, SignedEnvelope? signedHead = null, TrustSet? trust = null)
    {
        if (!File.Exists(path)) throw new FleetException($"audit log {path} does not exist");
        return Check(path, long.MaxValue, signedHead, trust);
    }

    private static AuditVerification Check(string path, long limit, SignedEnvelope? signedHead, TrustSet? trust)
    {
        AuditHead? head = null;
        if (signedHead is not null)
        {
            head = AuditHead.TryVerify(signedHead, trust ?? TrustSet.Empty, out var error);
            if (head is null) return new AuditVerification(0, null, new AuditBreak(0, null, AuditBreakKind.HeadRejected, "signed head rejected: " + error));
        }
        return AuditChainCheck.Run(path, limit, head);
    }

    /// <summary>Verifies any log file against heads already verified elsewhere (a device's, as the cloud kept them).</summary>
    public static AuditVerification VerifyFile(string path, IReadOnlyList<AuditHead> verifiedHeads)
    {
        if (!File.Exists(path)) throw new FleetException($"audit log {path} does not exist");
        return AuditChainCheck.Run(path, long.MaxValue, verifiedHeads);
    }

    /// <summary>Signs the current chain head (seq + hash) so a later copy of the log can be checked against it.</summary>
    public SignedEnvelope SignHead(EnvelopeSigner signer) => Head.Sign(signer);

    public void Dispose()
    {
        lock (_gate) _file.Dispose();
    }

    private void Recover()
    {
        var complete = AuditLines.CompleteLength(_file);
        if (complete != _file.Length) _file.SetLength(complete); // cut a torn, never-acknowledged last line
        _committedLength = complete;
        var lastLine = AuditLines.LastLine(_file, complete);
        if (lastLine is null) return;
        var last = AuditEntry.TryParse(lastLine)
                   ?? throw new FleetException($"audit log {Path}: last entry is unreadable; refusing to extend a broken chain");
        _lastSeq = last.Seq;
        _lastHash = last.Hash;
    }
}
