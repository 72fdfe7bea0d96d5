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

    /// <summary>As <see cref="Require"/>, and fails when libturbo_kernels.so is not loaded: these tests exist to run it.</summary>
    public static void RequireNativeKernels()
    {
        Require();
        Assert.True(NativeKernels.Available, $"The native kernel suite needs {NativeKernelLibrary.FileName}: {NativeKernels.Status}");
    }
}
