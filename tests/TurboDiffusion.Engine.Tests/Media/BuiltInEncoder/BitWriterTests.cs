using TurboDiffusion.Engine.Media.BuiltInEncoder;

namespace TurboDiffusion.Engine.Tests.Media.BuiltInEncoder;

public sealed class BitWriterTests
{
    [Theory]
    [InlineData(0u, "1")]
    [InlineData(1u, "010")]
    [InlineData(2u, "011")]
    [InlineData(7u, "0001000")]
    [InlineData(25u, "000011010")]
    public void Unsigned_exp_golomb_codes_are_those_of_the_standard(uint value, string bits)
    {
        var written = new BitWriter().Unsigned(value).TrailingBits().ToArray();

        Assert.Equal(bits + "1", string.Concat(written.Select(b => Convert.ToString(b, 2).PadLeft(8, '0')))[..(bits.Length + 1)]);
    }

    [Fact]
    public void Every_kind_of_field_reads_back_as_written()
    {
        int[] signed = [0, 1, -1, 2, -2, 26, -26, 1000, -1000];
        uint[] unsigned = [0, 1, 2, 3, 15, 16, 25, 254, 255, 65535, 1_000_000];
        var writer = new BitWriter().Bits(32, 0xDEADBEEF).Flag(true).Bits(3, 5);
        foreach (var value in unsigned)
        {
            writer.Unsigned(value);
        }

        foreach (var value in signed)
        {
            writer.Signed(value);
        }

        var reader = new BitReader(writer.TrailingBits().ToArray());

        Assert.Equal(0xDEADBEEFu, reader.Bits(32));
        Assert.True(reader.Flag());
        Assert.Equal(5u, reader.Bits(3));
        Assert.Equal(unsigned, unsigned.Select(_ => reader.Unsigned()));
        Assert.Equal(signed, signed.Select(_ => reader.Signed()));
        reader.ExpectTrailingBits();
    }

    [Fact]
    public void Bits_off_a_byte_boundary_are_not_returned_as_bytes()
    {
        var error = Assert.Throws<InvalidOperationException>(() => new BitWriter().Bits(3, 1).ToArray());

        Assert.Contains("3 bits", error.Message);
    }
}
