using System.Runtime.InteropServices;

namespace TurboDiffusion.Engine.Runtime;

/// <summary>
/// The CUDA caching allocator's counters for one device, as <c>torch.cuda.memory_stats</c> reports them: what live
/// tensors hold (allocated) apart from what the allocator took from the driver (reserved), now and at their peaks
/// since the last <see cref="AllocatorCounters.ResetPeaks"/>.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
public readonly record struct AllocatorMemory(
    long AllocatedBytes, long PeakAllocatedBytes, long ReservedBytes, long PeakReservedBytes, long AllocRetries, long OutOfMemoryErrors);
