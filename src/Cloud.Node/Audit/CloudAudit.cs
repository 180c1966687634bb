using Fleet.Shared.Audit;
using Fleet.Shared.Security;

namespace Fleet.Cloud.Audit;

/// <summary>
/// The cloud node's audit log (<c>&lt;data&gt;/audit.log</c>): every operator action is appended by the API middleware
/// or by a service calling <see cref="Record"/>. The chain head is signed with the cloud's active signing key into
/// <c>&lt;data&gt;/audit.head.json</c>, with the public trust set it verifies under beside it (<c>audit.trust.json</c>), so
/// truncation or rewriting is provable later without the database the keys live in.
/// </summary>
public sealed class CloudAudit : IDisposable
{
    public const string LogFile = "audit.log";
    public const string HeadFile = "audit.head.json";
    public const string TrustFile = "audit.trust.json";
    /// <summary>Where a ring of the node's own lived before the keys moved to the database (still read to verify old heads).</summary>
    public const string KeysFolder = "keys";

    private readonly AuditLog _log;
    private readonly string _dataDir;
    private readonly SigningKeyRing? _ring;
    private readonly object _signGate = new();

    /// <param name="ring">The cloud's key ring; null opens one in <c>&lt;data&gt;/keys</c> (tools, tests).</param>
    public CloudAudit(string dataDir, SigningKeyRing? ring = null)
    {
        _dataDir = dataDir;
        _ring = ring;
        _log = AuditLog.Open(Path.Combine(dataDir, LogFile));
    }

    public AuditLog Log => _log;

    public AuditEntry Record(string actor, string action, string subject, string? detail = null) => _log.Append(actor, action, subject, detail);

    private const string NoteItem = "fleet.audit.note";

    /// <summary>What an endpoint adds to its call's audit entry (the version it created, the token id it issued).</summary>
    public static void Note(HttpContext ctx, string detail) => ctx.Items[NoteItem] = detail;

    public static string? NoteOf(HttpContext ctx) => ctx.Items.TryGetValue(NoteItem, out var d) ? d as string : null;

    /// <summary>Signs the current head and writes it next to the log; returns the signed head.</summary>
    public AuditHead SignHead()
    {
        lock (_signGate)
        {
            var ring = _ring ?? SigningKeyRing.OpenOrCreate(Path.Combine(_dataDir, KeysFolder));
            var head = _log.Head;
            using var signer = ring.ActiveSigner();
            var envelope = head.Sign(signer);
            // The trust set first: a head on disk always has the keys it verifies under beside it.
            Replace(TrustFile, ring.ExportTrustSetJson());
            Replace(HeadFile, envelope.ToJsonBytes());
            return head;
        }
    }

    private void Replace(string name, byte[] bytes)
    {
        var path = Path.Combine(_dataDir, name);
        var temp = path + ".tmp";
        File.WriteAllBytes(temp, bytes);
        File.Move(temp, path, overwrite: true);
    }

    /// <summary>
    /// Verifies this node's log as it stands (what <c>GET /api/v1/audit/verify</c> answers), against its signed head when
    /// there is one: the same check as <c>fleet-cloud audit verify</c>, without reading a line still being appended.
    /// </summary>
    public AuditVerification Verify() => VerifyFolder(_dataDir, _log);

    /// <summary>Verifies a cloud data folder's log, against its signed head when there is one.</summary>
    public static AuditVerification VerifyFolder(string dataDir) => VerifyFolder(dataDir, null);

    private static AuditVerification VerifyFolder(string dataDir, AuditLog? open)
    {
        var log = Path.Combine(dataDir, LogFile);
        var headPath = Path.Combine(dataDir, HeadFile);
        var trustPath = Path.Combine(dataDir, TrustFile);
        var keys = Path.Combine(dataDir, KeysFolder);
        if (!File.Exists(headPath) || (!File.Exists(trustPath) && !Directory.Exists(keys))) return open?.Verify() ?? AuditLog.VerifyFile(log);
        // The head before the log: the log read after it is at least as long as what the head vouches for.
        if (!SignedEnvelope.TryParse(File.ReadAllBytes(headPath), out var envelope, out var error))
            return new AuditVerification(0, null, new AuditBreak(0, null, AuditBreakKind.HeadRejected, $"{headPath}: {error}"));
        var trust = File.Exists(trustPath) ? TrustSet.FromJson(File.ReadAllBytes(trustPath)) : SigningKeyRing.OpenOrCreate(keys).ExportTrustSet();
        return open?.Verify(envelope, trust) ?? AuditLog.VerifyFile(log, envelope, trust);
    }

    public void Dispose() => _log.Dispose();
}
