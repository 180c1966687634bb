namespace Fleet.Edge.Personalisation.Bandit;

/// <summary>Beta and Gamma draws from a caller-owned <see cref="Random"/>, so tests can seed them.</summary>
public static class BetaSampler
{
    /// <summary>X/(X+Y) with X~Gamma(alpha), Y~Gamma(beta).</summary>
    public static double Sample(double alpha, double beta, Random rng)
    {
        var x = Gamma(alpha, rng);
        var y = Gamma(beta, rng);
        return x + y == 0 ? 0.5 : x / (x + y);
    }

    /// <summary>Marsaglia–Tsang; shapes below 1 use the Gamma(k+1)·U^(1/k) boost.</summary>
    public static double Gamma(double shape, Random rng)
    {
        if (shape <= 0) throw new ArgumentOutOfRangeException(nameof(shape));
        if (shape < 1) return Gamma(shape + 1, rng) * Math.Pow(1 - rng.NextDouble(), 1 / shape);
        var d = shape - 1.0 / 3;
        var c = 1 / Math.Sqrt(9 * d);
        while (true)
        {
            double x, v;
            do
            {
                x = Normal(rng);
                v = 1 + c * x;
            } while (v <= 0);
            v = v * v * v;
            var u = 1 - rng.NextDouble();
            if (Math.Log(u) < 0.5 * x * x + d - d * v + d * Math.Log(v)) return d * v;
        }
    }

    private static double Normal(Random rng)
    {
        var u1 = 1 - rng.NextDouble();
        var u2 = rng.NextDouble();
        return Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }
}
