using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Models.Int8;

/// <summary>
/// The W8A8 GEMM of TurboDiffusion's int8 kernel on int8 x [M, K] and w [N, K] with their <see cref="BlockwiseInt8"/>
/// scales: for each 128-wide K tile in order, acc = fma(float(x_t · w_tᵀ), fp32(sx · sw), acc) in fp32, where x_t · w_tᵀ
/// is the exact int32 tile dot product. This reproduces the official kernel bit for bit (int8_linear fixture).
/// The tile dot products run as float64 matmuls: 128 products of at most 2^14 sum to at most 2^21, so every partial
/// sum is an integer float64 holds exactly, in any summation order.
/// </summary>
internal static class Int8Gemm
{
    private const int Tile = BlockwiseInt8.Tile;

    /// <summary>The exact dot product of every 128-wide K tile: [M, N, K/128] int32.</summary>
    public static Tensor TileSums(Tensor x, Tensor w)
    {
        using var scope = NewDisposeScope();
        var sums = Enumerable.Range(0, (int)(x.shape[1] / Tile)).Select(t => TileSum(x, w, t)).ToArray();
        return stack(sums, -1).to(ScalarType.Int32).MoveToOuterDisposeScope();
    }

    /// <summary>The kernel's fp32 accumulator [M, N] after all K tiles (bias not included).</summary>
    public static Tensor Accumulate(Tensor x, Tensor xScale, Tensor w, Tensor wScale)
    {
        using var scope = NewDisposeScope();
        var acc = zeros(x.shape[0], w.shape[0], ScalarType.Float32, x.device);
        for (var t = 0; t < x.shape[1] / Tile; t++)
        {
            var scale = TileScale(xScale, wScale, t, x.shape[0], w.shape[0]).to(ScalarType.Float64);
            acc = FusedMultiplyAdd(TileSum(x, w, t) * scale, acc);
        }

        return acc.MoveToOuterDisposeScope();
    }

    /// <summary>Σ_t (x_t · w_tᵀ) · sx · sw in float64 with no intermediate rounding: the GEMM without fp32 accumulation.</summary>
    public static Tensor Exact(Tensor x, Tensor xScale, Tensor w, Tensor wScale)
    {
        using var scope = NewDisposeScope();
        var sum = zeros(x.shape[0], w.shape[0], ScalarType.Float64, x.device);
        for (var t = 0; t < x.shape[1] / Tile; t++)
        {
            sum += TileSum(x, w, t) * TileScale(xScale.to(ScalarType.Float64), wScale.to(ScalarType.Float64), t, x.shape[0], w.shape[0]);
        }

        return sum.MoveToOuterDisposeScope();
    }

    private static Tensor TileSum(Tensor x, Tensor w, int t) =>
        x.narrow(1, t * Tile, Tile).to(ScalarType.Float64).matmul(w.narrow(1, t * Tile, Tile).to(ScalarType.Float64).t());

    // sx[m-tile, t] · sw[n-tile, t] for every output element, [M, N], in the scales' dtype (fp32 for the kernel's product).
    private static Tensor TileScale(Tensor xScale, Tensor wScale, int t, long m, long n) =>
        (xScale.select(1, t).unsqueeze(1) * wScale.select(1, t).unsqueeze(0))
            .repeat_interleave(Tile, 0).narrow(0, 0, m)
            .repeat_interleave(Tile, 1).narrow(1, 0, n);

    /// <summary>
    /// fp32(p + c) rounded once, as an fp32 FMA gives it, for a float64 product p that is exact (the integer tile sum
    /// has at most 22 significant bits, the fp32 scale 24) and an fp32 c. The float64 sum d = p + c may itself be
    /// rounded; rounding d to fp32 is still right unless d is exactly halfway between two fp32 values while the
    /// true sum is not, so that case is settled with the sum's rounding error e (TwoSum): away from the even
    /// neighbour where e points past the midpoint.
    /// </summary>
    internal static Tensor FusedMultiplyAdd(Tensor p, Tensor c)
    {
        using var scope = NewDisposeScope();
        var addend = c.to(ScalarType.Float64);
        var d = p + addend;
        var addendPart = d - p;
        var e = (p - (d - addendPart)) + (addend - addendPart);

        var nearest = d.to(ScalarType.Float32).to(ScalarType.Float64);
        var half = d - nearest;
        var other = nearest + (2 * half);
        var midpoint = half.ne(0) & other.to(ScalarType.Float32).to(ScalarType.Float64).eq(other);
        var pastMidpoint = midpoint & e.ne(0) & e.sign().eq(half.sign());
        return where(pastMidpoint, other, nearest).to(ScalarType.Float32).MoveToOuterDisposeScope();
    }
}
