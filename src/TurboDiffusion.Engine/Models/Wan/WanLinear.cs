using TurboDiffusion.Engine.Models.Int8;
using TurboDiffusion.Engine.Models.Weights;
using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace TurboDiffusion.Engine.Models.Wan;

/// <summary>
/// A Linear layer over loaded tensors: x [..., in] → x Wᵀ + b [..., out], with W [out, in] and b [out].
/// The GEMM runs in the weights' dtype (x is cast to it), so the dtype a layer was loaded in is its precision.
/// </summary>
internal sealed class WanLinear : IWanLinear
{
    private readonly Tensor weight;
    private readonly Tensor bias;

    private WanLinear(Tensor weight, Tensor bias)
    {
        this.weight = weight;
        this.bias = bias;
    }

    /// <summary>Reads <c>{name}.weight</c> [out, in] (or <paramref name="storedWeightShape"/>, flattened to it) and <c>{name}.bias</c> [out].</summary>
    public static WanLinear Load(WeightLoader weights, string name, long inFeatures, long outFeatures, ScalarType type, long[]? storedWeightShape = null)
    {
        long[] shape = [outFeatures, inFeatures];
        var weight = storedWeightShape is null
            ? weights.Load($"{name}.weight", shape, type)
            : weights.Load($"{name}.weight", storedWeightShape, type, viewAs: shape);
        return new WanLinear(weight, weights.Load($"{name}.bias", [outFeatures], type));
    }

    /// <summary>A block's attention projection or FFN layer: W8A8 where <paramref name="precision"/> asks for it, else dense in its compute dtype.</summary>
    public static IWanLinear LoadBlockLinear(WeightLoader weights, string name, long inFeatures, long outFeatures, WanPrecision precision) =>
        precision.Int8BlockLinears
            ? Int8Linear.Load(weights, name, inFeatures, outFeatures)
            : Load(weights, name, inFeatures, outFeatures, precision.Compute);

    public ScalarType Type => weight.dtype;

    public Tensor Forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        return linear(x.to(weight.dtype), weight, bias).MoveToOuterDisposeScope();
    }
}
