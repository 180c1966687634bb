using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Fleet.Shared.Telemetry;

namespace Fleet.Edge.Player;

/// <summary>
/// Which measurement arm a render belongs to. Deterministic per impression: the first 8 bytes of
/// SHA-256(campaign id + "/" + render id), read as a fraction of 2^64, below the campaign's <c>holdout</c> share means
/// the static creative (arm <c>holdout</c>); otherwise personalised copy. Anyone with the ids can recheck the split.
/// </summary>
public static class Holdout
{
    public static string ArmOf(string campaignId, string renderId, double share)
    {
        if (share <= 0) return ArmCounts.Personalised;
        if (share >= 1) return ArmCounts.Holdout;
        return Fraction(campaignId, renderId) < share ? ArmCounts.Holdout : ArmCounts.Personalised;
    }

    /// <summary>Uniform in [0, 1).</summary>
    public static double Fraction(string campaignId, string renderId)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(campaignId + "/" + renderId), hash);
        return BinaryPrimitives.ReadUInt64BigEndian(hash) / 18446744073709551616.0;
    }
}
