using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Attention;

/// <summary>
/// SageSLA's operand quantization, emulated in float64 (TorchSharp has no int8 GEMM on the CPU and no float8 dtype):
/// codes come back as float64 tensors holding exactly the int8 or fp8 values, with float64 scales, so that
/// code · scale approximates the input. Head-major [B, H, L, D] in, any floating dtype; everything out is float64.
/// </summary>
internal static class SageSlaQuantization
{
    /// <summary>The largest int8 code used: symmetric, so −128 never occurs.</summary>
    public const double Int8Max = 127;

    /// <summary>V is scaled per channel so its absmax lands here, in the range where e4m3 has its full 3-bit mantissa.</summary>
    public const double ValueRange = 2.25;

    /// <summary>The largest finite fp8 E4M3FN value (1.75·2⁸); E4M3FN has no infinities.</summary>
    public const double E4M3Max = 448;

    private const int MantissaBits = 3;

    /// <summary>Exponent of the smallest normal, 2⁻⁶; below it the subnormals keep its step 2⁻⁹.</summary>
    private const int MinExponent = -6;

    /// <summary>Exponent of the largest binade e4m3 rounds in: anything from 2⁹ up saturates.</summary>
    private const int MaxExponent = 8;

    /// <summary>
    /// x [B, H, L, D] → codes [B, H, L, D] and scales [B, H, ⌈L/block⌉], per (b, h, block of <paramref name="block"/>
    /// tokens): a = max |x| over the block's tokens and channels; codes = clamp(round_half_even(x · (127/a)), −127, 127)
    /// and scale = a/127, or codes 0 and scale 0 where a = 0.
    /// </summary>
    public static (Tensor Codes, Tensor Scales) Int8PerBlock(Tensor x, long block)
    {
        using var scope = NewDisposeScope();
        var (b, h, l, d) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3]);
        var blocks = SlaTiles.Count(l, block);

        // The zero rows padding a partial last block leave its absmax that of its real tokens.
        var tiles = SlaTiles.PadTokens(x.to(ScalarType.Float64), blocks * block).reshape(b, h, blocks, block * d);
        var absmax = tiles.abs().amax([-1L], keepdim: true);
        var codes = (tiles * ScaleTo(Int8Max, absmax)).round_().clamp_(-Int8Max, Int8Max);
        return (codes.view(b, h, blocks * block, d).narrow(2, 0, l).MoveToOuterDisposeScope(), (absmax / Int8Max).squeeze(-1).MoveToOuterDisposeScope());
    }

    /// <summary>
    /// k [B, H, L, D] → k − mean_L k in float64. Every score of a query row moves by the same q · mean_L k, so the
    /// softmax is unchanged, while the keys' int8 range shrinks to their spread around the mean.
    /// </summary>
    public static Tensor SmoothKeys(Tensor k)
    {
        using var scope = NewDisposeScope();
        var keys = k.to(ScalarType.Float64);
        return (keys - keys.mean([-2L], keepdim: true)).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// v [B, H, L, D] → codes [B, H, L, D] and scales [B, H, 1, D], per (b, h, channel): a = max |v| over all L tokens;
    /// codes = <see cref="E4M3"/>(v · (2.25/a)) and scale = a/2.25, or codes 0 and scale 0 where a = 0.
    /// </summary>
    public static (Tensor Codes, Tensor Scales) Fp8PerChannel(Tensor v)
    {
        using var scope = NewDisposeScope();
        var values = v.to(ScalarType.Float64);
        var absmax = values.abs().amax([-2L], keepdim: true);
        var codes = E4M3(values * ScaleTo(ValueRange, absmax));
        return (codes.MoveToOuterDisposeScope(), (absmax / ValueRange).MoveToOuterDisposeScope());
    }

    /// <summary>
    /// float64 x → the nearest fp8 E4M3FN value, as float64: 3 mantissa bits, normals from 2⁻⁶, subnormals in steps of
    /// 2⁻⁹, ties to the even code, saturating to ±448 (what a satfinite float → e4m3 conversion gives), symmetric in
    /// the sign; NaN stays NaN.
    /// </summary>
    public static Tensor E4M3(Tensor x)
    {
        using var scope = NewDisposeScope();

        // |x| in [2^(e−1), 2^e): the e4m3 step there is 2^(e−1−3), never finer than the subnormal step. The steps
        // come from a table of powers of two made here, so no device's exp2 or pow decides a rounding.
        var (_, e) = x.frexp();
        var binade = (e - 1).clamp_(MinExponent, MaxExponent).sub_(MinExponent).to(ScalarType.Int64);
        var steps = tensor(
            Enumerable.Range(MinExponent, MaxExponent - MinExponent + 1).Select(exponent => Math.ScaleB(1, exponent - MantissaBits)).ToArray(),
            device: x.device);
        var step = steps.index_select(0, binade.flatten()).view_as(x);
        return (x / step).round_().mul_(step).clamp_(-E4M3Max, E4M3Max).MoveToOuterDisposeScope();
    }

    // range / absmax, and 0 where absmax is 0 so that an all-zero group stays zero instead of 0 · ∞ = NaN.
    private static Tensor ScaleTo(double range, Tensor absmax) => (range / absmax).masked_fill_(absmax.eq(0), 0);
}
