using System.Globalization;
using TurboDiffusion.Engine.Runtime;

namespace TurboDiffusion.Cli.Benchmarks;

/// <summary>A benchmark on a smaller card's memory: caps the allocator of this process's GPU, which the engine's plans then fit within.</summary>
public static class DeviceMemoryCap
{
    /// <returns>A line saying what was capped.</returns>
    /// <exception cref="InvalidOperationException">There is no CUDA device, the counters' library is missing, or the card is smaller than the cap.</exception>
    public static string Apply(double giB)
    {
        TorchRuntime.EnsureLoaded();
        var (device, total) = AllocatorCounters.CapDeviceMemoryAt((long)(giB * (1L << 30)));
        return string.Create(CultureInfo.InvariantCulture, $"device memory capped at {giB} GiB of {device}'s {total / (double)(1L << 30):0.0} GiB");
    }
}
