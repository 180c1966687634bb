using System.Security.Cryptography.X509Certificates;
using System.Text;
using Fleet.Shared.Cli;
using Fleet.Shared.IO;
using Fleet.Shared.Security;

namespace Fleet.Edge.Identity;

/// <summary>
/// A trust set the device holds in one folder (the kill policy's, the manifests'), and the only ways it changes. An
/// enrolled device (it holds the fleet CA pinned at enrolment) adopts a CA-signed trust update whose version is above the
/// one it holds, nothing else. Under --insecure-dev (no CA) nothing can be verified: it pins the cloud's first bare trust
/// set, or, with <c>followUnverified</c>, takes whichever set the cloud sent last.
/// <c>trust-update.json</c> keeps the signed update and is re-verified at start; the set file mirrors the adopted set.
/// </summary>
public sealed class DeviceTrust
{
    public const string UpdateFile = "trust-update.json";

    private readonly string _updatePath;
    private readonly string _setPath;
    private readonly X509Certificate2? _root;
    private readonly bool _followUnverified;
    private string? _lastRefusal;
    private string? _bareJson;

    public DeviceTrust(string dir, string setFileName, X509Certificate2? root, bool followUnverified = false)
    {
        _followUnverified = followUnverified;
        _updatePath = Path.Combine(dir, UpdateFile);
        _setPath = Path.Combine(dir, setFileName);
        _root = root;
        if (root is not null && File.Exists(_updatePath))
        {
            var (trust, refusal, _) = TrustUpdates.Check(File.ReadAllText(_updatePath), root, long.MinValue);
            if (trust is null) throw new FleetException($"{_updatePath}: {refusal}; remove it to resync trust from the cloud");
            (Set, Version) = (trust.Set, trust.Version);
        }
        else if (File.Exists(_setPath))
        {
            // Pinned before trust updates existed (or --insecure-dev): version 0, so any signed update replaces it.
            _bareJson = File.ReadAllText(_setPath);
            Set = TrustSet.FromJson(Encoding.UTF8.GetBytes(_bareJson));
        }
    }

    /// <summary>The set to verify with; null until the device adopted or pinned one.</summary>
    public TrustSet? Set { get; private set; }

    /// <summary>The held update's version (0: pinned without one).</summary>
    public long Version { get; private set; }

    /// <summary>
    /// Offers the trust a message carries, before the message itself is verified. Returns a line worth logging and
    /// auditing (adopted, or refused for a reason not said before); null when nothing changed and nothing is new.
    /// </summary>
    public TrustChange? Offer(string? updateJson, string bareSetJson)
    {
        if (_root is null)
        {
            if (Set is not null && (!_followUnverified || bareSetJson == _bareJson)) return null;
            var pinned = TrustSet.FromJson(Encoding.UTF8.GetBytes(bareSetJson)); // refuse to pin garbage
            PrivateFile.WriteNew(_setPath, bareSetJson);
            (Set, _bareJson) = (pinned, bareSetJson);
            return new TrustChange(true, $"took the cloud's trust set ({pinned.Keys.Count} keys, {pinned.Revoked.Count} revoked) without verification (--insecure-dev)");
        }
        if (updateJson is null)
            return Set is null ? Refused("trust update refused: the message carries no CA-signed trust update and none is held") : null;
        var (trust, refusal, repeat) = TrustUpdates.Check(updateJson, _root, Version);
        if (trust is null) return repeat ? null : Refused(refusal!);
        PrivateFile.WriteNew(_setPath, Encoding.UTF8.GetString(trust.Set.ToJsonBytes()));
        PrivateFile.WriteNew(_updatePath, trust.UpdateJson);
        (Set, Version) = (trust.Set, trust.Version);
        _lastRefusal = null;
        return new TrustChange(true, $"adopted trust version {trust.Version}: {trust.Set.Keys.Count} keys, {trust.Set.Revoked.Count} revoked");
    }

    private TrustChange? Refused(string line)
    {
        if (line == _lastRefusal) return null;
        _lastRefusal = line;
        return new TrustChange(false, line);
    }
}

/// <summary>What <see cref="DeviceTrust.Offer"/> did, as one line for the agent log and the audit log.</summary>
public sealed record TrustChange(bool Adopted, string Line);
