using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Models.Umt5;

/// <summary>
/// Which dtype each part of the encoder runs in. <see cref="Weights"/> holds every weight, the embedding,
/// the residual stream, the GEMMs and the GELU; <see cref="Norm"/> holds the RMSNorm variance and the
/// attention softmax. The reference runs the whole module in bf16 and upcasts only those two to fp32.
/// </summary>
public sealed class Umt5Precision
{
    private Umt5Precision(string name, ScalarType weights, ScalarType norm)
    {
        Name = name;
        Weights = weights;
        Norm = norm;
    }

    /// <summary>Inference: bf16 weights and stream, fp32 norm variance and softmax.</summary>
    public static Umt5Precision Bf16 { get; } = new("bf16", ScalarType.BFloat16, ScalarType.Float32);

    /// <summary>Everything fp32.</summary>
    public static Umt5Precision Fp32 { get; } = new("fp32", ScalarType.Float32, ScalarType.Float32);

    /// <summary>Everything float64: reproduces the fixture's <c>out_fp64</c>.</summary>
    public static Umt5Precision Fp64 { get; } = new("fp64", ScalarType.Float64, ScalarType.Float64);

    public string Name { get; }

    public ScalarType Weights { get; }

    public ScalarType Norm { get; }

    public override string ToString() => Name;
}
