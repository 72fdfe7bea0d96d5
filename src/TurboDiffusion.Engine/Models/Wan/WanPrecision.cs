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
    private WanPrecision(string name, ScalarType compute, ScalarType stream, bool int8BlockLinears = false)
    {
        Name = name;
        Compute = compute;
        Stream = stream;
        Int8BlockLinears = int8BlockLinears;
    }

    /// <summary>Inference: bf16 weights, GEMMs and attention; fp32 everywhere else.</summary>
    public static WanPrecision Bf16 { get; } = new("bf16", ScalarType.BFloat16, ScalarType.Float32);

    /// <summary>
    /// <see cref="Bf16"/> with TurboDiffusion's W8A8 block linears (self and cross q/k/v/o, ffn.0, ffn.2): they read a
    /// <c>-quant</c> checkpoint's int8 weights and tile scales as stored and quantize their activations the same way.
    /// The other precisions read such a checkpoint dequantized.
    /// </summary>
    public static WanPrecision W8A8 { get; } = new("w8a8", ScalarType.BFloat16, ScalarType.Float32, int8BlockLinears: true);

    /// <summary>Everything fp32 (CPU tests against the float64 reference).</summary>
    public static WanPrecision Fp32 { get; } = new("fp32", ScalarType.Float32, ScalarType.Float32);

    /// <summary>Everything float64 with exact attention: reproduces the fixtures' <c>out_fp64</c>.</summary>
    public static WanPrecision Fp64 { get; } = new("fp64", ScalarType.Float64, ScalarType.Float64);

    public string Name { get; }

    public ScalarType Compute { get; }

    public ScalarType Stream { get; }

    /// <summary>Whether the blocks' attention projections and FFN run as int8 W8A8 linears.</summary>
    public bool Int8BlockLinears { get; }

    public override string ToString() => Name;
}
