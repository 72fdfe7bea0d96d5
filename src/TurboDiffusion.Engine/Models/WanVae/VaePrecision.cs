using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Models.WanVae;

/// <summary>The dtype the VAE's weights and convolutions run in.</summary>
public enum VaePrecision
{
    /// <summary>Everything float64: reproduces the fixtures' float64 references.</summary>
    Fp64,

    /// <summary>Everything float32, as the official Wan code runs its VAE.</summary>
    Fp32,

    /// <summary>bf16 weights, convolutions and attention (as TurboDiffusion runs it); norms, latent scaling and the output stay fp32.</summary>
    Bf16,
}

internal static class VaePrecisionTypes
{
    /// <summary>Weights, convolutions, attention and the activations between them.</summary>
    public static ScalarType ComputeType(this VaePrecision precision) => precision switch
    {
        VaePrecision.Fp64 => ScalarType.Float64,
        VaePrecision.Fp32 => ScalarType.Float32,
        VaePrecision.Bf16 => ScalarType.BFloat16,
        _ => throw new ArgumentOutOfRangeException(nameof(precision), precision, "unknown VAE precision"),
    };

    /// <summary>Norms, latent (de)normalisation, tile blending and the returned tensors: never below fp32.</summary>
    public static ScalarType FullType(this VaePrecision precision) =>
        precision == VaePrecision.Fp64 ? ScalarType.Float64 : ScalarType.Float32;
}
