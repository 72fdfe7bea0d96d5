namespace TurboDiffusion.Engine.Media.BuiltInEncoder;

/// <summary>An H.264 RBSP written most significant bit first: fixed-width fields and Exp-Golomb codes (ITU-T H.264 7.2, 9.1).</summary>
internal sealed class BitWriter
{
    private readonly List<byte> bytes = [];
    private int pending;
    private int pendingBits;

    public bool IsByteAligned => pendingBits == 0;

    /// <summary>u(n): the low <paramref name="bits"/> bits of <paramref name="value"/>.</summary>
    public BitWriter Bits(int bits, uint value)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bits);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(bits, 32);
        for (var bit = bits - 1; bit >= 0; bit--)
        {
            Bit((value >> bit) & 1);
        }

        return this;
    }

    public BitWriter Flag(bool value) => Bit(value ? 1u : 0u);

    /// <summary>ue(v): unsigned Exp-Golomb.</summary>
    public BitWriter Unsigned(uint value)
    {
        var coded = (ulong)value + 1;
        var length = 64 - ulong.LeadingZeroCount(coded);
        Bits((int)length - 1, 0);
        for (var bit = (int)length - 1; bit >= 0; bit--)
        {
            Bit((uint)(coded >> bit) & 1);
        }

        return this;
    }

    /// <summary>se(v): signed Exp-Golomb (positive values first: 1, -1, 2, -2, ...).</summary>
    public BitWriter Signed(int value) => Unsigned(value > 0 ? (uint)((2L * value) - 1) : (uint)(-2L * value));

    /// <summary>Zero bits up to the next byte boundary, as before I_PCM samples (pcm_alignment_zero_bit).</summary>
    public BitWriter AlignWithZeros()
    {
        while (!IsByteAligned)
        {
            Bit(0);
        }

        return this;
    }

    /// <summary>rbsp_trailing_bits: a one bit, then zeros to the byte boundary.</summary>
    public BitWriter TrailingBits() => Bit(1).AlignWithZeros();

    /// <exception cref="InvalidOperationException">The bits do not end on a byte boundary.</exception>
    public byte[] ToArray() =>
        IsByteAligned ? [.. bytes] : throw new InvalidOperationException($"{pendingBits} bits are left over a byte boundary.");

    private BitWriter Bit(uint bit)
    {
        pending = (pending << 1) | (int)bit;
        if (++pendingBits == 8)
        {
            bytes.Add((byte)pending);
            pending = 0;
            pendingBits = 0;
        }

        return this;
    }
}
