namespace TurboDiffusion.Engine.Pipelines;

/// <summary>Which self-attention a DiT runs (<see cref="DitAttentionOptions"/>); cross-attention is always dense.</summary>
public enum DitAttentionMode
{
    /// <summary>
    /// What the checkpoint was distilled for: a checkpoint with SLA's proj_l (TurboDiffusion) runs SageSLA where it can
    /// run, else SLA; one without (official Wan, the built-in untrained models) runs dense.
    /// </summary>
    Auto,

    /// <summary>Exact softmax attention through libtorch SDPA (TurboDiffusion's "original").</summary>
    Dense,

    /// <summary>Sparse-linear attention: the native bf16 sparse kernel where it can run, else the TorchSharp reference.</summary>
    Sla,

    /// <summary>SLA with the native int8/fp8 SageSLA sparse kernel: the native kernels loaded, bf16 on CUDA, head dim 128, compute capability 8.9+.</summary>
    SageSla,
}
