using System.Text;
using TurboDiffusion.Engine.Media;

namespace TurboDiffusion.Engine.Tests.Media;

public sealed class Crc32Tests
{
    [Fact]
    public void The_standard_check_value_of_123456789_is_CBF43926()
    {
        Assert.Equal(0xCBF43926u, Crc32.Compute("123456789"u8));
    }

    [Fact]
    public void The_empty_IEND_chunk_has_the_crc_every_png_ends_with()
    {
        Assert.Equal(0xAE426082u, Crc32.Compute(Encoding.ASCII.GetBytes("IEND")));
    }

    [Fact]
    public void Two_parts_give_the_crc_of_their_concatenation()
    {
        Assert.Equal(Crc32.Compute("123456789"u8), Crc32.Compute("1234"u8, "56789"u8));
    }
}
