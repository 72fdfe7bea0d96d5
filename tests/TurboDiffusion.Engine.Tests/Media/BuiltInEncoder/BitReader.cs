namespace TurboDiffusion.Engine.Tests.Media.BuiltInEncoder;

/// <summary>Reads an H.264 RBSP bit by bit: u(n), ue(v), se(v), as ITU-T H.264 7.2 and 9.1 define them.</summary>
internal sealed class BitReader(byte[] rbsp, int startByte = 0)
{
    private long position = startByte * 8L;

    public bool IsByteAligned => position % 8 == 0;

    public int BytePosition => (int)(position / 8);

    public long BitsLeft => (rbsp.Length * 8L) - position;

    /// <summary>The RBSP of a NAL unit: the header byte dropped, each emulation_prevention_three_byte removed.</summary>
    public static byte[] Rbsp(ReadOnlySpan<byte> nalUnit)
    {
        var rbsp = new List<byte>(nalUnit.Length);
        var zeros = 0;
        foreach (var value in nalUnit[1..])
        {
            if (zeros == 2 && value == 3)
            {
                zeros = 0;
                continue;
            }

            rbsp.Add(value);
            zeros = value == 0 ? zeros + 1 : 0;
        }

        return [.. rbsp];
    }

    public uint Bits(int count)
    {
        var value = 0u;
        for (var i = 0; i < count; i++)
        {
            Assert.True(BitsLeft > 0, "read past the end of the RBSP");
            value = (value << 1) | (uint)((rbsp[position / 8] >> (7 - (int)(position % 8))) & 1);
            position++;
        }

        return value;
    }

    public bool Flag() => Bits(1) == 1;

    public uint Unsigned()
    {
        var leadingZeros = 0;
        while (Bits(1) == 0)
        {
            leadingZeros++;
            Assert.True(leadingZeros < 32, "an Exp-Golomb code longer than 32 bits");
        }

        return (uint)((1L << leadingZeros) - 1 + Bits(leadingZeros));
    }

    public int Signed()
    {
        var code = Unsigned();
        return code % 2 == 1 ? (int)((code + 1) / 2) : -(int)(code / 2);
    }

    public void SkipBytes(int count)
    {
        Assert.True(IsByteAligned, "skipping bytes off a byte boundary");
        Assert.True(BitsLeft >= count * 8L, "skipped past the end of the RBSP");
        position += count * 8L;
    }

    public void SkipAlignmentZeros()
    {
        while (!IsByteAligned)
        {
            Assert.Equal(0u, Bits(1));
        }
    }

    /// <summary>rbsp_trailing_bits ending the RBSP: a one bit, then zeros, then nothing more.</summary>
    public void ExpectTrailingBits()
    {
        Assert.Equal(1u, Bits(1));
        SkipAlignmentZeros();
        Assert.Equal(0, BitsLeft);
    }
}
