using TurboDiffusion.Engine.Pipelines;

namespace TurboDiffusion.Engine.Tests.Pipelines;

public sealed class VideoGeometryTests
{
    [Theory]
    [InlineData(VideoResolution.P144, AspectRatio.Landscape16x9, 256, 144, 3_024)]
    [InlineData(VideoResolution.P480, AspectRatio.Landscape16x9, 832, 480, 32_760)]
    [InlineData(VideoResolution.P480, AspectRatio.Portrait9x16, 480, 832, 32_760)]
    [InlineData(VideoResolution.P480, AspectRatio.Square1x1, 640, 640, 33_600)]
    [InlineData(VideoResolution.P720, AspectRatio.Landscape16x9, 1280, 720, 75_600)]
    [InlineData(VideoResolution.P720, AspectRatio.Portrait3x4, 720, 960, 56_700)]
    public void Resolution_and_aspect_give_the_reference_sizes_and_token_counts(VideoResolution resolution, AspectRatio aspect, int width, int height, long tokens)
    {
        var geometry = VideoGeometry.For(resolution, aspect, 81);

        Assert.Equal((width, height), (geometry.Width, geometry.Height));
        Assert.Equal(21, geometry.LatentFrames);
        Assert.Equal(tokens, geometry.Tokens);
        Assert.Equal(new long[] { 1, 16, 21, height / 8, width / 8 }, geometry.LatentShape());
    }

    [Theory]
    [InlineData(0)]
    [InlineData(80)]
    [InlineData(-3)]
    public void Frame_counts_that_are_not_4k_plus_1_are_rejected_naming_the_rule(int frames)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => VideoGeometry.For(VideoResolution.P480, AspectRatio.Landscape16x9, frames));

        Assert.Contains("4k+1", error.Message);
    }

    [Fact]
    public void Adaptive_size_keeps_the_area_and_follows_a_portrait_image()
    {
        var geometry = VideoGeometry.Adaptive(VideoResolution.P720, imageWidth: 1080, imageHeight: 1920, frames: 81);

        Assert.Equal((720, 1280), (geometry.Width, geometry.Height));
        Assert.Equal(0, geometry.Width % 16);
    }

    [Fact]
    public void Adaptive_size_of_a_square_image_is_square_within_the_area()
    {
        var geometry = VideoGeometry.Adaptive(VideoResolution.P480, 500, 500, 5);

        Assert.Equal(geometry.Width, geometry.Height);
        Assert.True(geometry.Width * geometry.Height <= 832 * 480);
        Assert.Equal(624, geometry.Width);
    }
}
