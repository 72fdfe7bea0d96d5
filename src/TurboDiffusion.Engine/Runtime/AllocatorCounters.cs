using System.Runtime.InteropServices;

namespace TurboDiffusion.Engine.Runtime;

/// <summary>
/// <c>libturbo_torch_memory.so</c> (native/torch_memory), built against the PyTorch install whose libtorch the
/// engine loads: the allocator's counters, which TorchSharp does not expose, and the side streams of
/// <see cref="SideStream"/>. Looked for next to
/// <c>libturbo_kernels.so</c> (or in the application's native folders); without it, peaks are not reported, and
/// <see cref="Status"/> says so.
/// </summary>
public static unsafe class AllocatorCounters
{
    public const string FileName = "libturbo_torch_memory.so";

    /// <summary>TURBO_TORCH_MEMORY_ABI_VERSION in native/torch_memory/turbo_torch_memory.h.</summary>
    public const int AbiVersion = 3;

    private static readonly Lock Gate = new();
    private static readonly HashSet<int> Touched = [];
    private static Entries? entries;
    private static double? fraction;
    private static string status = "not loaded: the engine runtime has not started";

    /// <summary>Whether the counters can be read in this process.</summary>
    public static bool Available => entries is not null;

    /// <summary>One line for logs and benchmarks: the library, or why there are no counters.</summary>
    public static string Status => status;

    /// <summary>The counters of CUDA device <paramref name="device"/>, or null when the library is not loaded.</summary>
    /// <exception cref="InvalidOperationException">The library failed to read them; the message is its own.</exception>
    public static AllocatorMemory? Read(int device = 0)
    {
        if (entries is not { } bound)
        {
            return null;
        }

        AllocatorMemory memory;
        Touch(device);
        Check(bound.Stats(device, &memory), "reading the allocator's counters");
        return memory;
    }

    /// <summary>Starts the peaks over from the current values (torch.cuda.reset_peak_memory_stats); nothing when the library is not loaded.</summary>
    public static void ResetPeaks(int device = 0)
    {
        if (entries is { } bound)
        {
            Touch(device);
            Check(bound.ResetPeak(device), "resetting the peaks");
        }
    }

    /// <summary>The share of the device the allocator may take, when capped (<see cref="CapDeviceMemory"/>); null when uncapped.</summary>
    public static double? DeviceFraction => fraction;

    /// <summary>
    /// Caps what the allocator may take on the device at <paramref name="share"/> of its memory
    /// (torch.cuda.set_per_process_memory_fraction): a smaller card's budget on a larger one, or a GPU shared with
    /// another process. The engine's memory plans use the cap. 1 lifts it.
    /// </summary>
    /// <exception cref="InvalidOperationException">The library is not loaded, or refused the share.</exception>
    public static void CapDeviceMemory(double share, int device = 0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(share, 0);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(share, 1);
        var bound = entries ?? throw new InvalidOperationException($"Capping device memory needs {FileName}: {status}");
        Touch(device);
        Check(bound.SetFraction(device, share), "capping device memory");
        fraction = share < 1 ? share : null;
    }

    /// <summary>
    /// Caps what the allocator may take on the device at <paramref name="bytes"/>, as on a card of that size
    /// (<see cref="CapDeviceMemory"/>); returns the device's name and total bytes.
    /// </summary>
    /// <exception cref="InvalidOperationException">No such CUDA device, the library is not loaded, or the device has less than that.</exception>
    public static (string Device, long TotalBytes) CapDeviceMemoryAt(long bytes, int device = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(bytes);
        var gpu = (TorchSharp.torch.cuda.is_available() ? CudaDevices.List().FirstOrDefault(d => d.Index == device) : null)
            ?? throw new InvalidOperationException($"Capping device memory needs CUDA device {device}, and this machine has none.");
        if (bytes > gpu.TotalBytes)
        {
            throw new InvalidOperationException($"A cap of {bytes / (double)(1L << 30):0.0} GiB is more than {gpu.Name} has ({gpu.TotalBytes / (double)(1L << 30):0.0} GiB).");
        }

        CapDeviceMemory(bytes / (double)gpu.TotalBytes, device);
        return (gpu.Name, gpu.TotalBytes);
    }

    /// <summary>Returns the allocator's cached, unused blocks to the driver (torch.cuda.empty_cache), so the next reservation starts from what is live; nothing when the library is not loaded.</summary>
    public static void ReleaseCache()
    {
        if (entries is { } bound)
        {
            Check(bound.EmptyCache(), "releasing the cache");
        }
    }

    /// <summary>A side stream on CUDA device <paramref name="device"/>, or null when the library is not loaded.</summary>
    /// <exception cref="InvalidOperationException">The library failed to open one; the message is its own.</exception>
    internal static SideStream? OpenSideStream(int device)
    {
        if (entries is not { } bound)
        {
            return null;
        }

        IntPtr handle;
        Check(bound.StreamOpen(device, &handle), "opening a side stream");
        return new SideStream(handle, bound.StreamBegin, bound.StreamEnd, bound.StreamJoin, bound.StreamClose, Check);
    }

    /// <summary>Binds the library once, from where the native kernels are looked for; called by <see cref="TorchRuntime"/>.</summary>
    internal static void Initialize(TorchRuntimeOptions options)
    {
        lock (Gate)
        {
            var kernels = NativeKernelLibrary.Locate(options);
            var folders = kernels.Searched.Select(Path.GetDirectoryName).OfType<string>().Distinct(StringComparer.Ordinal);
            var candidates = folders.Select(folder => Path.Combine(folder, FileName)).ToList();
            if (candidates.FirstOrDefault(File.Exists) is not { } path)
            {
                status = $"{FileName} not found (looked at {string.Join(", ", candidates)}): allocator peaks are not reported; build native/torch_memory";
                return;
            }

            if (!NativeLibrary.TryLoad(path, out var handle))
            {
                status = $"{path} did not load (built against another libtorch than this process loaded?): allocator peaks are not reported";
                return;
            }

            var version = ((delegate* unmanaged<int>)NativeLibrary.GetExport(handle, "turbo_torch_memory_abi_version"))();
            if (version != AbiVersion)
            {
                status = $"{path} speaks ABI {version}, this engine {AbiVersion}: rebuild native/torch_memory from this source";
                return;
            }

            entries = new Entries(
                (delegate* unmanaged<int, AllocatorMemory*, int>)NativeLibrary.GetExport(handle, "turbo_torch_memory_stats"),
                (delegate* unmanaged<int, int>)NativeLibrary.GetExport(handle, "turbo_torch_memory_reset_peak"),
                (delegate* unmanaged<int>)NativeLibrary.GetExport(handle, "turbo_torch_memory_empty_cache"),
                (delegate* unmanaged<int, double, int>)NativeLibrary.GetExport(handle, "turbo_torch_memory_set_fraction"),
                (delegate* unmanaged<IntPtr>)NativeLibrary.GetExport(handle, "turbo_torch_memory_last_error"),
                (delegate* unmanaged<int, IntPtr*, int>)NativeLibrary.GetExport(handle, "turbo_side_stream_open"),
                (delegate* unmanaged<IntPtr, int>)NativeLibrary.GetExport(handle, "turbo_side_stream_begin"),
                (delegate* unmanaged<IntPtr, int>)NativeLibrary.GetExport(handle, "turbo_side_stream_end"),
                (delegate* unmanaged<IntPtr, int>)NativeLibrary.GetExport(handle, "turbo_side_stream_join"),
                (delegate* unmanaged<IntPtr, void>)NativeLibrary.GetExport(handle, "turbo_side_stream_close"));
            status = $"{path} (ABI {version})";
        }
    }

    /// <summary>
    /// libtorch sets a device's allocator up on its first allocation there, and refuses to read or cap it before: a
    /// process that asks first (a benchmark capping the card before it loads anything) gets it set up here.
    /// </summary>
    private static void Touch(int device)
    {
        lock (Gate)
        {
            if (Touched.Add(device))
            {
                using var first = TorchSharp.torch.empty(1, device: new TorchSharp.torch.Device(TorchSharp.DeviceType.CUDA, device));
            }
        }
    }

    private static void Check(int result, string what)
    {
        if (result != 0)
        {
            throw new InvalidOperationException($"{FileName}: {what} failed: {Marshal.PtrToStringUTF8(entries!.LastError())}");
        }
    }

    private sealed class Entries(
        delegate* unmanaged<int, AllocatorMemory*, int> stats, delegate* unmanaged<int, int> resetPeak, delegate* unmanaged<int> emptyCache,
        delegate* unmanaged<int, double, int> setFraction, delegate* unmanaged<IntPtr> lastError,
        delegate* unmanaged<int, IntPtr*, int> streamOpen, delegate* unmanaged<IntPtr, int> streamBegin, delegate* unmanaged<IntPtr, int> streamEnd,
        delegate* unmanaged<IntPtr, int> streamJoin, delegate* unmanaged<IntPtr, void> streamClose)
    {
        public delegate* unmanaged<int, AllocatorMemory*, int> Stats { get; } = stats;

        public delegate* unmanaged<int, int> ResetPeak { get; } = resetPeak;

        public delegate* unmanaged<int> EmptyCache { get; } = emptyCache;

        public delegate* unmanaged<int, double, int> SetFraction { get; } = setFraction;

        public delegate* unmanaged<IntPtr> LastError { get; } = lastError;

        public delegate* unmanaged<int, IntPtr*, int> StreamOpen { get; } = streamOpen;

        public delegate* unmanaged<IntPtr, int> StreamBegin { get; } = streamBegin;

        public delegate* unmanaged<IntPtr, int> StreamEnd { get; } = streamEnd;

        public delegate* unmanaged<IntPtr, int> StreamJoin { get; } = streamJoin;

        public delegate* unmanaged<IntPtr, void> StreamClose { get; } = streamClose;
    }
}
