namespace Fleet.Shared.IO;

/// <summary>
/// A read-only view of a stream that tells <paramref name="onRead"/> how many bytes each read returned (served or
/// uploaded bytes), and <paramref name="onDispose"/> when it is disposed.
/// </summary>
public sealed class ReadCountingStream(Stream inner, Action<int> onRead, Action? onDispose = null) : Stream
{
    public override int Read(byte[] buffer, int offset, int count) => Counted(inner.Read(buffer, offset, count));
    public override int Read(Span<byte> buffer) => Counted(inner.Read(buffer));
    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default) => Counted(await inner.ReadAsync(buffer, ct));
    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken ct) => ReadAsync(buffer.AsMemory(offset, count), ct).AsTask();
    public override bool CanRead => true;
    public override bool CanSeek => inner.CanSeek;
    public override bool CanWrite => false;
    public override long Length => inner.Length;
    public override long Position { get => inner.Position; set => inner.Position = value; }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => inner.Seek(offset, origin);
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
            onDispose?.Invoke();
        }
        base.Dispose(disposing);
    }

    private int Counted(int n)
    {
        if (n > 0) onRead(n);
        return n;
    }
}
