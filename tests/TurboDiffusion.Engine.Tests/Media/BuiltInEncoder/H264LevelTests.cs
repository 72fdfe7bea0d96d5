using TurboDiffusion.Engine.Media.BuiltInEncoder;

namespace TurboDiffusion.Engine.Tests.Media.BuiltInEncoder;

public sealed class H264LevelTests
{
    [Theory]
    [InlineData(256, 144, 30)]
    [InlineData(832, 480, 50)]
    [InlineData(480, 832, 50)]
    [InlineData(1280, 720, 51)]
    [InlineData(720, 1280, 51)]
    [InlineData(1920, 1088, 61)]
    public void Uncompressed_wan_sizes_at_16_fps_get_the_lowest_level_that_admits_them(int width, int height, int expected)
    {
        var (columns, rows) = (width / 16, height / 16);
        var bytes = new H264PcmSlice(columns, rows).NalUnitBytes;

        var level = H264Level.For(columns, rows, 16, bytes);

        Assert.Equal(expected, level.Idc);
        Assert.All(H264Level.All.TakeWhile(lower => lower != level), lower => Assert.False(lower.Admits(columns, rows, 16, bytes)));
    }

    [Fact]
    public void A_level_admits_no_more_than_its_bit_rate()
    {
        var level31 = H264Level.All.Single(level => level.Idc == 31);
        var bitsPerSecond = level31.MaxBitRate * H264Level.BitRateUnit;

        Assert.True(level31.Admits(10, 10, 16, bitsPerSecond / 8 / 16));
        Assert.False(level31.Admits(10, 10, 16, (bitsPerSecond / 8 / 16) + 1));
    }

    [Fact]
    public void Frames_beyond_every_level_are_refused_naming_the_size_and_rate()
    {
        var error = Assert.Throws<ArgumentException>(() => H264Level.For(80, 45, 240, new H264PcmSlice(80, 45).NalUnitBytes));

        Assert.Contains("1280x720", error.Message);
        Assert.Contains("240 fps", error.Message);
    }
}
