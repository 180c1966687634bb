namespace Fleet.Cloud.Gateway;

/// <summary>A token bucket: <see cref="PerSecond"/> on average, up to <c>burst</c> at once after a quiet spell.</summary>
public sealed class FrameRateLimit(double perSecond, int burst)
{
    private double _tokens = burst;
    private DateTime _refilledAt = DateTime.MinValue;

    public double PerSecond { get; } = perSecond;

    public bool TryTake(DateTime now)
    {
        if (_refilledAt != DateTime.MinValue) _tokens = Math.Min(burst, _tokens + (now - _refilledAt).TotalSeconds * PerSecond);
        _refilledAt = now;
        if (_tokens < 1) return false;
        _tokens -= 1;
        return true;
    }
}
