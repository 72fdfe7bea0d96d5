using TurboDiffusion.Engine.Media.BuiltInEncoder;

namespace TurboDiffusion.Engine.Tests.Media.BuiltInEncoder;

public sealed class NalUnitTests
{
    [Theory]
    [InlineData(new byte[] { 0, 0, 0 }, new byte[] { 0, 0, 3, 0 })]
    [InlineData(new byte[] { 0, 0, 1 }, new byte[] { 0, 0, 3, 1 })]
    [InlineData(new byte[] { 0, 0, 2 }, new byte[] { 0, 0, 3, 2 })]
    [InlineData(new byte[] { 0, 0, 3 }, new byte[] { 0, 0, 3, 3 })]
    [InlineData(new byte[] { 0, 0, 4 }, new byte[] { 0, 0, 4 })]
    [InlineData(new byte[] { 0, 0, 0, 0, 0, 1 }, new byte[] { 0, 0, 3, 0, 0, 3, 0, 1 })]
    [InlineData(new byte[] { 0, 1, 0, 1 }, new byte[] { 0, 1, 0, 1 })]
    public void Two_zero_bytes_before_a_byte_of_0_to_3_get_an_emulation_prevention_byte(byte[] rbsp, byte[] escaped)
    {
        var unit = NalUnit.Wrap(NalUnit.SequenceParameterSet, rbsp);

        Assert.Equal([0x67, .. escaped], unit);
        Assert.Equal(rbsp, BitReader.Rbsp(unit));
    }
}
