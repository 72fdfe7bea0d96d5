using TurboDiffusion.Engine.Models.Weights;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Models.Umt5;

/// <summary>
/// T5 RMSNorm: x [B, L, C] → w · x / √(mean_C x² + eps), w [C]; no mean subtraction, no bias.
/// The variance is taken in the precision's norm dtype; the normalised x is cast to the weight's dtype
/// before the multiply, so with bf16 weights the result is bf16 (as the reference).
/// </summary>
internal sealed class Umt5RmsNorm
{
    private readonly Tensor weight;
    private readonly ScalarType normType;
    private readonly double eps;

    private Umt5RmsNorm(Tensor weight, ScalarType normType, double eps)
    {
        this.weight = weight;
        this.normType = normType;
        this.eps = eps;
    }

    /// <summary>Reads <c>{name}.weight</c> [C].</summary>
    public static Umt5RmsNorm Load(WeightLoader weights, string name, Umt5Config config, Umt5Precision precision) =>
        new(weights.Load($"{name}.weight", [config.Dim], precision.Weights), precision.Norm, config.Eps);

    public Tensor Forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var xs = x.to(normType);
        var normalized = xs * (xs.square().mean([-1L], keepdim: true) + eps).rsqrt();
        return (weight * normalized.to(weight.dtype)).MoveToOuterDisposeScope();
    }
}
