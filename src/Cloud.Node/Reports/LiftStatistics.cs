namespace Fleet.Cloud.Reports;

/// <summary>
/// Two-proportion statistics for personalised vs holdout (pure, no NaN for any count):
/// <list type="bullet">
/// <item>rate intervals: Wilson score (95 %);</item>
/// <item>absolute difference p1 − p0: Newcombe's hybrid score interval (method 10, built from the two Wilson intervals),
/// which stays inside [−1, 1] and behaves at zero counts;</item>
/// <item>relative lift p1/p0 − 1: delta method on the log of the ratio, Var(log p̂) ≈ 1/k − 1/n; when a count is 0 or
/// equals its n, 0.5 is added to every success and failure count (Haldane–Anscombe) so the log stays finite;</item>
/// <item>sample size per arm for a two-sided 5 % test with 80 % power to detect a relative change
/// <c>mde</c> from the baseline rate p0 (Fleiss, without continuity correction):
/// n = (z<sub>α/2</sub>√(2p̄q̄) + z<sub>β</sub>√(p0q0 + p1q1))² / (p1 − p0)², p1 = p0(1 + mde), p̄ = (p0 + p1)/2.</item>
/// </list>
/// </summary>
public static class LiftStatistics
{
    /// <summary>z for a two-sided 95 % interval.</summary>
    public const double Z95 = 1.959963984540054;

    /// <summary>z for 80 % power.</summary>
    public const double Z80 = 0.8416212335729143;

    public readonly record struct Interval(double Low, double High)
    {
        public bool Excludes(double v) => v < Low || v > High;
    }

    /// <summary>Wilson score interval for <paramref name="k"/> of <paramref name="n"/>; [0, 1] when n is 0.</summary>
    public static Interval Wilson(long k, long n, double z = Z95)
    {
        if (n <= 0) return new Interval(0, 1);
        var p = (double)k / n;
        var z2 = z * z;
        var centre = (p + z2 / (2 * n)) / (1 + z2 / n);
        var half = z / (1 + z2 / n) * Math.Sqrt(p * (1 - p) / n + z2 / (4.0 * n * n));
        return new Interval(Math.Max(0, centre - half), Math.Min(1, centre + half));
    }

    /// <summary>Newcombe's interval for p1 − p0 (arm 1 minus arm 0); both n must be positive.</summary>
    public static Interval Difference(long k1, long n1, long k0, long n0)
    {
        double p1 = (double)k1 / n1, p0 = (double)k0 / n0;
        var w1 = Wilson(k1, n1);
        var w0 = Wilson(k0, n0);
        var d = p1 - p0;
        return new Interval(
            d - Math.Sqrt(Sq(p1 - w1.Low) + Sq(w0.High - p0)),
            d + Math.Sqrt(Sq(w1.High - p1) + Sq(p0 - w0.Low)));
    }

    /// <summary>Relative lift p1/p0 − 1 and its interval (log-ratio delta method; Haldane–Anscombe at 0 or n); both n must be positive.</summary>
    public static (double Lift, Interval Ci) RelativeLift(long k1, long n1, long k0, long n0)
    {
        var correct = k1 == 0 || k0 == 0 || k1 == n1 || k0 == n0;
        double a = k1, b = n1, c = k0, d = n0;
        if (correct) { a += 0.5; b += 1; c += 0.5; d += 1; }
        var logRatio = Math.Log(a / b) - Math.Log(c / d);
        var se = Math.Sqrt(1 / a - 1 / b + 1 / c - 1 / d);
        return (Math.Exp(logRatio) - 1, new Interval(Math.Exp(logRatio - Z95 * se) - 1, Math.Exp(logRatio + Z95 * se) - 1));
    }

    /// <summary>
    /// Impressions per arm to detect a relative change <paramref name="mde"/> of <paramref name="baseline"/> (two-sided
    /// 5 %, 80 % power); null when the baseline is 0 or 1 (no effect of that kind can be sized).
    /// </summary>
    public static long? SampleSizePerArm(double baseline, double mde)
    {
        if (baseline is <= 0 or >= 1 || mde <= 0) return null;
        var p0 = baseline;
        var p1 = Math.Min(p0 * (1 + mde), 0.999999);
        if (p1 <= p0) return null;
        var pBar = (p0 + p1) / 2;
        var root = Z95 * Math.Sqrt(2 * pBar * (1 - pBar)) + Z80 * Math.Sqrt(p0 * (1 - p0) + p1 * (1 - p1));
        return (long)Math.Ceiling(root * root / Sq(p1 - p0));
    }

    private static double Sq(double x) => x * x;
}
