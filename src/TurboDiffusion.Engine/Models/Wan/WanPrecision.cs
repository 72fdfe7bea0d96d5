using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Models.Wan;

/// <summary>
/// Which dtype each part of the DiT runs in. <see cref="Compute"/> covers the big GEMMs (patch and
/// text embedding, attention projections, FFN) and attention; <see cref="Stream"/> covers the norms,
/// modulation, the residual stream, the time MLP, RoPE and the head, which the reference keeps in fp32
/// even when it runs bf16 (Wan under autocast, TurboDiffusion's inference).
/// </summary>
public sealed class WanPrecision
{
    private WanPrecision(string name, ScalarType compute, ScalarType stream)
    {
        Name = name;
        Compute = compute;
        Stream = stream;
    }

    /// <summary>Inference: bf16 weights, GEMMs and attention; fp32 everywhere else.</summary>
    public static WanPrecision Bf16 { get; } = new("bf16", ScalarType.BFloat16, ScalarType.Float32);

    /// <summary>Everything fp32 (CPU tests against the float64 reference).</summary>
    public static WanPrecision Fp32 { get; } = new("fp32", ScalarType.Float32, ScalarType.Float32);

    /// <summary>Everything float64 with exact attention: reproduces the fixtures' <c>out_fp64</c>.</summary>
    public static WanPrecision Fp64 { get; } = new("fp64", ScalarType.Float64, ScalarType.Float64);

    public string Name { get; }

    public ScalarType Compute { get; }

    public ScalarType Stream { get; }

    public override string ToString() => Name;
}
