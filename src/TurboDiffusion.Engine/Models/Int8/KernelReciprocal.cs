namespace TurboDiffusion.Engine.Models.Int8;

/// <summary>
/// The fp32 value of 128/amax that TurboDiffusion's quant kernel multiplies by. Built with nvcc --use_fast_math, the
/// kernel computes MUFU.RCP(amax)·128 with denormals flushed, which is not IEEE division: for 20 of the 128 bf16
/// mantissas the approximate reciprocal is one ulp off the correctly rounded one, in every binade, and it is 0 once
/// 1/amax would be subnormal. Where x·(128/amax) is an exact tie k + 0.5, that ulp decides the int8 value, and the
/// official <c>-quant</c> weights were made this way. So the engine takes IEEE 128f/amax and applies the measured
/// per-mantissa ulp offset; this reproduces the kernel table measured on sm_90 (int8_linear fixture,
/// rcp_table.safetensors) for every positive normal bf16 amax, and the kernel's value for the empty-tile amax 1e-8.
/// </summary>
internal static class KernelReciprocal
{
    public const float Numerator = 128;

    // bf16 mantissas (7 bits) whose MUFU.RCP result lies one ulp below / above the IEEE reciprocal.
    private static readonly int[] OneUlpBelow = [4, 11, 20, 22, 127];
    private static readonly int[] OneUlpAbove = [6, 13, 37, 38, 51, 61, 65, 66, 81, 91, 109, 115, 116, 118, 121];

    // Above 2^126 the reciprocal is subnormal, which --use_fast_math flushes to zero.
    private static readonly float FlushAbove = MathF.ScaleB(1, 126);

    /// <summary>The kernel's 128/<paramref name="amax"/>, for a positive bf16 amax or the empty-tile floor.</summary>
    public static float Of(float amax)
    {
        if (amax > FlushAbove)
        {
            return 0;
        }

        var ieee = Numerator / amax;
        var bits = BitConverter.SingleToInt32Bits(amax);
        // Only a bf16 amax (low 16 bits zero) has a measured offset; the empty-tile floor 1e-8 matched IEEE.
        if ((bits & 0xFFFF) != 0 || float.IsInfinity(ieee))
        {
            return ieee;
        }

        var mantissa = (bits >> 16) & 0x7F;
        var offset = OneUlpBelow.Contains(mantissa) ? -1 : OneUlpAbove.Contains(mantissa) ? 1 : 0;
        return BitConverter.Int32BitsToSingle(BitConverter.SingleToInt32Bits(ieee) + offset);
    }
}
