using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Models.Wan;

/// <summary>
/// The elementwise glue of a DiT block, between its projections: LayerNorm with adaLN modulation, q/k RMSNorm with
/// RoPE, and the residual adds. <see cref="ReferenceWanBlockOps"/> is the definition (TorchSharp, any dtype and
/// device); <see cref="FusedWanBlockOps"/> runs each op as one native kernel for bf16 inference on CUDA. The model's
/// <see cref="KernelPlan"/> picks one at load and all its blocks use it.
/// </summary>
internal interface IWanBlockOps
{
    /// <summary>"fused" or "reference".</summary>
    string Name { get; }

    /// <summary>
    /// x [B, L, D] (stream dtype) → norm(x) · (1 + scale) + shift, with shift and scale [B or 1, 1, D] (stream dtype),
    /// each optional. The result feeds a projection, which casts it to the compute dtype: the fused op returns that
    /// dtype directly (rounded once, as the cast would), the reference returns the stream dtype.
    /// </summary>
    Tensor LayerNormModulate(WanLayerNorm norm, Tensor x, Tensor? shift = null, Tensor? scale = null);

    /// <summary>x [B, L, D] (a projection's output) → norm(x), rotated by <paramref name="rope"/> when given, as [B, L, heads, D/heads] in x's dtype.</summary>
    Tensor RmsNormRope(WanRmsNorm norm, Tensor x, long heads, RopeTable? rope = null);

    /// <summary>
    /// x += y · gate, in place: x [B, L, D] (stream dtype, contiguous: the residual stream or a run of its rows),
    /// y [B, L, D] (a projection's output), gate [B or 1, 1, D] or none. The same arithmetic as a new x + y · gate, without
    /// a second stream-sized tensor.
    /// </summary>
    void GatedResidualInPlace(Tensor x, Tensor y, Tensor? gate = null);
}
