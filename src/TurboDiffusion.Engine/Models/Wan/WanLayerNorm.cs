using TurboDiffusion.Engine.Models.Weights;
using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace TurboDiffusion.Engine.Models.Wan;

/// <summary>
/// LayerNorm over the hidden dim: x [B, L, D] → (x − mean) / √(var + eps) [· w + b].
/// <c>norm1</c>, <c>norm2</c> and the head's norm have no parameters; <c>norm3</c> (before cross-attention)
/// is affine. Always computed and returned in the stream dtype (fp32 for bf16 inference), as the reference does.
/// </summary>
internal sealed class WanLayerNorm
{
    private readonly long dim;
    private readonly double eps;
    private readonly ScalarType streamType;
    private readonly Tensor? weight;
    private readonly Tensor? bias;

    private WanLayerNorm(long dim, double eps, ScalarType streamType, Tensor? weight, Tensor? bias)
    {
        this.dim = dim;
        this.eps = eps;
        this.streamType = streamType;
        this.weight = weight;
        this.bias = bias;
    }

    /// <summary>A LayerNorm without parameters (nothing to read).</summary>
    public static WanLayerNorm Plain(long dim, double eps, ScalarType streamType) => new(dim, eps, streamType, null, null);

    /// <summary>An affine LayerNorm reading <c>{name}.weight</c> and <c>{name}.bias</c> [D].</summary>
    public static WanLayerNorm LoadAffine(WeightLoader weights, string name, long dim, double eps, ScalarType streamType) =>
        new(dim, eps, streamType, weights.Load($"{name}.weight", [dim], streamType), weights.Load($"{name}.bias", [dim], streamType));

    public double Eps => eps;

    /// <summary>The affine weight [D] (norm3), or null.</summary>
    public Tensor? Weight => weight;

    /// <summary>The affine bias [D] (norm3), or null.</summary>
    public Tensor? Bias => bias;

    public Tensor Forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        return layer_norm(x.to(streamType), [dim], weight, bias, eps).MoveToOuterDisposeScope();
    }
}
