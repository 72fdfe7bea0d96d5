using TurboDiffusion.Engine.Runtime;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.GpuTests;

internal static class CudaDevice
{
    /// <summary>Loads the runtime and fails (never skips) when there is no CUDA device: these tests exist to run on one.</summary>
    public static void Require()
    {
        TorchRuntime.EnsureLoaded();
        Assert.True(cuda.is_available(), "The GPU suite needs a CUDA device; run it on a GPU host (docs/gpu.md).");
    }
}
