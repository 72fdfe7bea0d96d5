using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Checkpoints.Quantization;

/// <summary>How one stored tensor becomes part of a <c>-quant</c> checkpoint.</summary>
internal enum ConversionKind
{
    /// <summary>Written as stored.</summary>
    Copy,

    /// <summary>Official Wan's Conv3d patch embedding [dim, C, 1, 2, 2] written as Turbo's Linear [dim, C*4]: same elements.</summary>
    PatchAsLinear,

    /// <summary>A W8A8 layer's weight: written as its int8 values and tile scales.</summary>
    Int8Weight,

    /// <summary>A W8A8 layer's bias: bf16, the dtype the official Int8Linear keeps it in.</summary>
    Bf16Bias,
}

/// <summary>One stored tensor read, converted and written as <see cref="Outputs"/> (in this order).</summary>
internal sealed record ConversionStep(string Source, ConversionKind Kind, IReadOnlyList<TensorInfo> Outputs)
{
    /// <summary>The output tensors from the stored one, in the caller's dispose scope.</summary>
    public IReadOnlyList<Tensor> Convert(Tensor stored) => Kind switch
    {
        ConversionKind.Copy => [stored],
        ConversionKind.PatchAsLinear => [stored.reshape(Outputs[0].Shape)],
        ConversionKind.Int8Weight => Int8(stored),
        ConversionKind.Bf16Bias => [stored.to(ScalarType.BFloat16)],
        _ => throw new InvalidOperationException($"{Source}: conversion {Kind} is not one of a -quant checkpoint's"),
    };

    private static Tensor[] Int8(Tensor weight)
    {
        var (values, scale) = Models.Int8.BlockwiseInt8.QuantizeWeight(weight);
        return [values, scale];
    }
}
