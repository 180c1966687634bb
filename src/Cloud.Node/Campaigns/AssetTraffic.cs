namespace Fleet.Cloud.Campaigns;

/// <summary>Bytes and requests served by the asset endpoint since start, to prove each device fetches each asset once.</summary>
public sealed class AssetTraffic
{
    private long _bytes;
    private long _requests;

    public long Bytes => Interlocked.Read(ref _bytes);
    public long Requests => Interlocked.Read(ref _requests);

    public void Request() => Interlocked.Increment(ref _requests);

    public Stream Count(Stream inner) => new CountingStream(inner, this);

    public sealed record Snapshot(long BytesServed, long Requests);

    public Snapshot Now() => new(Bytes, Requests);

    private sealed class CountingStream(Stream inner, AssetTraffic traffic) : Stream
    {
        public override bool CanRead => true;
        public override bool CanSeek => inner.CanSeek;
        public override bool CanWrite => false;
        public override long Length => inner.Length;
        public override long Position { get => inner.Position; set => inner.Position = value; }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => inner.Seek(offset, origin);
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override int Read(byte[] buffer, int offset, int count) => Counted(inner.Read(buffer, offset, count));

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default) => Counted(await inner.ReadAsync(buffer, ct));

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken ct) => ReadAsync(buffer.AsMemory(offset, count), ct).AsTask();

        private int Counted(int n)
        {
            Interlocked.Add(ref traffic._bytes, n);
            return n;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing) inner.Dispose();
            base.Dispose(disposing);
        }
    }
}
