using TurboDiffusion.Engine.Models.Weights;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Models.Wan;

/// <summary>
/// RMSNorm over the full hidden dim: x [B, L, D] → x / √(mean_D x² + eps) · w, with w [D].
/// Wan's q/k norm spans all heads at once (D = heads · head_dim), not each head.
/// Computed in the weight's dtype (the precision's stream dtype, fp32 for bf16 inference); returned in x's dtype.
/// </summary>
internal sealed class WanRmsNorm
{
    private readonly Tensor weight;
    private readonly double eps;

    private WanRmsNorm(Tensor weight, double eps)
    {
        this.weight = weight;
        this.eps = eps;
    }

    public static WanRmsNorm Load(WeightLoader weights, string name, long dim, double eps, ScalarType streamType) =>
        new(weights.Load($"{name}.weight", [dim], streamType), eps);

    public double Eps => eps;

    /// <summary>w [D], in the dtype the norm computes in.</summary>
    public Tensor Weight => weight;

    public Tensor Forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var xs = x.to(weight.dtype);
        var normalized = xs * (xs.square().mean([-1L], keepdim: true) + eps).rsqrt();
        return (normalized * weight).to(x.dtype).MoveToOuterDisposeScope();
    }
}
