using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Checkpoints;

/// <summary>
/// A TurboDiffusion W8A8 Linear as its <c>-quant</c> checkpoint stores it: <see cref="Int8Weight"/> int8 [out, in],
/// <see cref="Scale"/> fp32 [ceil(out/128), ceil(in/128)] (one amax/128 per 128x128 tile, rows by out and columns by in)
/// and <see cref="Bias"/> [out]. The int8 GEMM kernels consume these directly.
/// </summary>
public sealed record QuantizedLinearWeight(string Layer, Tensor Int8Weight, Tensor Scale, Tensor? Bias) : IDisposable
{
    public const int TileSize = 128;

    /// <summary>W = int8 * scale of its tile, in fp32, or in float64 when asked (exact: int8 has 8 significant bits, the scale 24).</summary>
    public Tensor Dequantize(ScalarType type = ScalarType.Float32) => Dequantize(Int8Weight, Scale, type);

    internal static Tensor Dequantize(Tensor int8Weight, Tensor scale, ScalarType type)
    {
        using var scope = NewDisposeScope();
        var compute = type == ScalarType.Float64 ? ScalarType.Float64 : ScalarType.Float32;
        var (rows, columns) = (int8Weight.shape[0], int8Weight.shape[1]);
        var perElement = scale.to(compute)
            .repeat_interleave(TileSize, 0).narrow(0, 0, rows)
            .repeat_interleave(TileSize, 1).narrow(1, 0, columns);
        return (int8Weight.to(compute) * perElement).to(type).MoveToOuterDisposeScope();
    }

    public void Dispose()
    {
        Int8Weight.Dispose();
        Scale.Dispose();
        Bias?.Dispose();
    }
}
