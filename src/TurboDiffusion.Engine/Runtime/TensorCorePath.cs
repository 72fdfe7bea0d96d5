namespace TurboDiffusion.Engine.Runtime;

/// <summary>
/// Which tensor-core instructions a native kernel with several paths runs (turbo_tensor_core_path): <see cref="Auto"/>
/// takes the fastest the device and the library's build support; the others are for tests and benchmarks.
/// </summary>
public enum TensorCorePath
{
    Auto = 0,

    /// <summary>Warp-level mma.sync (Ada, and Hopper for comparison).</summary>
    MmaSync = 1,

    /// <summary>Warpgroup wgmma from shared-memory descriptors (Hopper, sm_90a builds).</summary>
    Wgmma = 2,
}
