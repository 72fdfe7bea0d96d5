namespace TurboDiffusion.Engine.Models.Wan;

/// <summary>
/// Whether a <see cref="WanModel"/> runs its blocks' elementwise glue (LayerNorm with modulation, q/k RMSNorm with
/// RoPE, the residual adds) on the fused native kernels. Chosen at load; the same for every block.
/// </summary>
public enum WanFusion
{
    /// <summary>The fused kernels wherever they can run (library loaded, CUDA, bf16 inference), else the TorchSharp reference.</summary>
    Auto,

    /// <summary>Always the TorchSharp reference: the unfused baseline for benchmarks and comparisons.</summary>
    Off,
}
