namespace TurboDiffusion.Engine.Sampling;

/// <summary>
/// The value a float takes when libtorch casts it to bf16: round to nearest, ties to even, on the
/// upper 16 bits of the fp32 pattern. Kept in plain C# so a schedule can be built without the runtime.
/// </summary>
public static class BFloat16Rounding
{
    public static float Round(float value)
    {
        if (float.IsNaN(value))
        {
            return float.NaN;
        }

        var bits = BitConverter.SingleToUInt32Bits(value);
        var tieToEven = 0x7FFFu + ((bits >> 16) & 1u);
        return BitConverter.UInt32BitsToSingle((bits + tieToEven) & 0xFFFF0000u);
    }
}
