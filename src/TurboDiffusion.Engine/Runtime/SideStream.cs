namespace TurboDiffusion.Engine.Runtime;

/// <summary>
/// A second CUDA stream for copies that overlap the compute (<c>libturbo_torch_memory.so</c>, ABI 3). TorchSharp queues
/// every op on the thread's current stream, so work is put on this one by making it current for a while
/// (<see cref="Enqueue"/>); the compute stream waits for it only where it needs the result (<see cref="Join"/>).
/// Use it from one thread: the engine's.
/// </summary>
internal sealed unsafe class SideStream : IDisposable
{
    private readonly delegate* unmanaged<IntPtr, int> begin;
    private readonly delegate* unmanaged<IntPtr, int> end;
    private readonly delegate* unmanaged<IntPtr, int> join;
    private readonly delegate* unmanaged<IntPtr, void> close;
    private readonly Action<int, string> check;
    private IntPtr handle;

    internal SideStream(
        IntPtr handle, delegate* unmanaged<IntPtr, int> begin, delegate* unmanaged<IntPtr, int> end, delegate* unmanaged<IntPtr, int> join,
        delegate* unmanaged<IntPtr, void> close, Action<int, string> check)
    {
        this.handle = handle;
        this.begin = begin;
        this.end = end;
        this.join = join;
        this.close = close;
        this.check = check;
    }

    /// <summary>
    /// Runs <paramref name="queue"/> with this stream current, after what the compute stream has queued so far: the ops
    /// it queues run beside the compute stream's later work. Their inputs must stay alive until <see cref="Join"/>.
    /// </summary>
    public void Enqueue(Action queue)
    {
        ArgumentNullException.ThrowIfNull(queue);
        ObjectDisposedException.ThrowIf(handle == IntPtr.Zero, this);
        check(begin(handle), "making the side stream current");
        try
        {
            queue();
        }
        finally
        {
            check(end(handle), "giving the compute stream back");
        }
    }

    /// <summary>Makes the compute stream wait for everything queued here so far (not the host: this returns at once).</summary>
    public void Join()
    {
        ObjectDisposedException.ThrowIf(handle == IntPtr.Zero, this);
        check(join(handle), "joining the side stream");
    }

    public void Dispose()
    {
        if (handle != IntPtr.Zero)
        {
            close(handle);
            handle = IntPtr.Zero;
        }
    }
}
