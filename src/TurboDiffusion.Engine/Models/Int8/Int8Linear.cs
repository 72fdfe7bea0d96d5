using TurboDiffusion.Engine.Checkpoints.Wan;
using TurboDiffusion.Engine.Models.Wan;
using TurboDiffusion.Engine.Models.Weights;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Models.Int8;

/// <summary>
/// TurboDiffusion's W8A8 Linear over int8 weight [N, K], fp32 tile scales [⌈N/128⌉, K/128] and a bf16 bias [N],
/// owned by whoever made them (a model's <see cref="WeightSet"/>). Forward (on <see cref="NativeInt8Kernels"/> where they run, else
/// the TorchSharp reference) quantizes the activation [..., K], cast to
/// bf16, with the same <see cref="BlockwiseInt8"/> rule, runs <see cref="Int8Gemm"/>, rounds to bf16 and then adds
/// the bias in bf16: out = bf16(bf16(acc) + bias), as the official Int8Linear returns it.
/// </summary>
internal sealed class Int8Linear : IWanLinear
{
    private readonly Tensor weight;
    private readonly Tensor scale;
    private readonly Tensor? bias;

    private Int8Linear(string layer, Tensor weight, Tensor scale, Tensor? bias)
    {
        // The official quant kernel pads rows to a multiple of 128 and its GEMM rejects any other K (leaving zeros).
        if (weight.shape[1] % BlockwiseInt8.Tile != 0)
        {
            throw new ArgumentException(
                $"{layer}: W8A8 needs in_features to be a multiple of {BlockwiseInt8.Tile}, got {weight.shape[1]} (weight [{string.Join(", ", weight.shape)}])");
        }

        // The official Int8Linear keeps its bias as a bf16 buffer and adds it to the bf16 GEMM output.
        if (bias is not null && bias.dtype != ScalarType.BFloat16)
        {
            throw new ArgumentException($"{layer}: expected a BFloat16 bias, got {bias.dtype}");
        }

        Layer = layer;
        this.weight = weight;
        this.scale = scale;
        this.bias = bias;
    }

    public string Layer { get; }

    public long InFeatures => weight.shape[1];

    public long OutFeatures => weight.shape[0];

    /// <summary>Quantizes a bf16 weight [N, K]; the caller's dispose scope owns the int8 weight and scales.</summary>
    public static Int8Linear Quantize(string layer, Tensor weight, Tensor? bias)
    {
        var (values, scale) = BlockwiseInt8.Quantize(weight);
        return new Int8Linear(layer, values, scale, bias);
    }

    /// <summary>Reads <c>{name}.int8_weight</c> [out, in] and <c>{name}.scale</c> as stored, and <c>{name}.bias</c> [out] as bf16.</summary>
    public static Int8Linear Load(WeightLoader weights, string name, long inFeatures, long outFeatures)
    {
        var weight = weights.Load(name + WanKeyRules.Rule(WanKeyRuleKind.QuantizedLinear).Pattern, [outFeatures, inFeatures], ScalarType.Int8);
        var scale = weights.Load(
            name + WanKeyRules.ScaleSuffix, [BlockwiseInt8.Tiles(outFeatures), BlockwiseInt8.Tiles(inFeatures)], ScalarType.Float32);
        return new Int8Linear(weights.Key(name), weight, scale, weights.Load($"{name}.bias", [outFeatures], ScalarType.BFloat16));
    }

    /// <summary>x [..., K] → bf16 [..., N].</summary>
    public Tensor Forward(Tensor x)
    {
        if (x.shape[^1] != InFeatures)
        {
            throw new ArgumentException($"{Layer}: expected [..., {InFeatures}] input, got [{string.Join(", ", x.shape)}]", nameof(x));
        }

        using var scope = NewDisposeScope();
        var rows = x.to(ScalarType.BFloat16).reshape(-1, InFeatures);
        var y = NativeInt8Kernels.CanRun(rows.device, OutFeatures) ? NativeInt8Kernels.Linear(rows, weight, scale, bias) : Reference(rows);
        return y.view([.. x.shape[..^1], OutFeatures]).MoveToOuterDisposeScope();
    }

    private Tensor Reference(Tensor rows)
    {
        var (values, xScale) = BlockwiseInt8.Quantize(rows);
        var y = Int8Gemm.Accumulate(values, xScale, weight, scale).to(ScalarType.BFloat16);
        return bias is null ? y : y + bias;
    }
}
