using TurboDiffusion.Engine.Runtime;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.GpuTests.Runtime;

/// <summary>libturbo_torch_memory.so reads the allocator this process allocates from: its counters follow a known tensor.</summary>
public sealed class AllocatorCountersCudaTests
{
    private const long Bytes = 1L << 30;

    /// <summary>Room for the few small allocations libtorch makes on the side (a scalar, a launch's workspace).</summary>
    private const long Slack = 1L << 20;

    [Fact]
    public void Allocated_and_peak_bytes_follow_a_one_gib_tensor_and_the_peak_resets()
    {
        CudaDevice.Require();
        Assert.True(AllocatorCounters.Available, $"The GPU suite needs the allocator counters: {AllocatorCounters.Status}");
        cuda.synchronize();
        AllocatorCounters.ResetPeaks();
        var before = AllocatorCounters.Read()!.Value;

        var during = default(AllocatorMemory);
        using (var block = empty([Bytes / 4], ScalarType.Float32, CUDA))
        {
            cuda.synchronize();
            during = AllocatorCounters.Read()!.Value;
        }

        var after = AllocatorCounters.Read()!.Value;
        AllocatorCounters.ResetPeaks();
        var reset = AllocatorCounters.Read()!.Value;

        Assert.InRange(during.AllocatedBytes - before.AllocatedBytes, Bytes, Bytes + Slack);
        Assert.True(during.PeakAllocatedBytes >= before.AllocatedBytes + Bytes, $"peak {during.PeakAllocatedBytes} below the live {during.AllocatedBytes}");
        Assert.True(during.ReservedBytes >= during.AllocatedBytes, "the allocator reserved less than it handed out");
        Assert.InRange(after.AllocatedBytes - before.AllocatedBytes, 0, Slack);
        Assert.True(after.PeakAllocatedBytes >= before.AllocatedBytes + Bytes, "the peak forgot the freed tensor before a reset");
        Assert.Equal(reset.AllocatedBytes, reset.PeakAllocatedBytes);
    }
}
