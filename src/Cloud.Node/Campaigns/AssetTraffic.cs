namespace Fleet.Cloud.Campaigns;

/// <summary>Bytes and requests served by the asset endpoint since start, to prove each device fetches each asset once.</summary>
public sealed class AssetTraffic
{
    private long _bytes;
    private long _requests;

    public long Bytes => Interlocked.Read(ref _bytes);
    public long Requests => Interlocked.Read(ref _requests);

    public void Request() => Interlocked.Increment(ref _requests);

    public Stream Count(Stream inner) => new Fleet.Shared.IO.ReadCountingStream(inner, n => Interlocked.Add(ref _bytes, n));

    public sealed record Snapshot(long BytesServed, long Requests);

    public Snapshot Now() => new(Bytes, Requests);
}
