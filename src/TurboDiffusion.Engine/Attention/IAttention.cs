using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Attention;

/// <summary>
/// One attention kernel: <c>o = softmax(q kᵀ / √D) v</c> per batch and head, non-causal, no mask.
/// <para>q [B, Lq, H, D], k and v [B, Lk, H, D] → o [B, Lq, H, D]; the layout is token-major (as the
/// model produces it), all three in the same dtype, and o comes back in that dtype. Every attention type here takes
/// and returns tokens in this layout (SLA's branches and block selection too); a kernel that works heads-first
/// transposes inside.</para>
/// Dense, SLA and SageSLA kernels implement this, so the model never knows which one runs. A kernel
/// with per-layer state (SLA's <c>proj_l</c>) is one instance per block.
/// </summary>
public interface IAttention
{
    /// <summary>A short name for logs and benchmarks ("dense", "sla", ...).</summary>
    string Name { get; }

    Tensor Forward(Tensor q, Tensor k, Tensor v);
}
