using TurboDiffusion.Engine.Models.WanVae;

namespace TurboDiffusion.Engine.Tests.Models.WanVae;

public sealed class WanVaeConfigTests
{
    [Fact]
    public void The_wan21_vae_has_the_reference_widths_and_strides()
    {
        var config = WanVaeConfig.Wan21;

        Assert.Equal([96, 96, 192, 384, 384], config.EncoderDims);
        Assert.Equal([384, 384, 384, 192, 96], config.DecoderDims);
        Assert.Equal([true, true, false], config.TemporalUpsample);
        Assert.Equal(4, config.TemporalStride);
        Assert.Equal(8, config.SpatialStride);
        Assert.Equal(81, config.VideoFrames(21));
    }

    [Fact]
    public void The_tiny_vae_is_the_same_architecture_at_width_eight()
    {
        var config = WanVaeConfig.Tiny;

        Assert.Equal([8, 8, 16, 32, 32], config.EncoderDims);
        Assert.Equal([32, 32, 32, 16, 8], config.DecoderDims);
        Assert.Equal(WanVaeConfig.Wan21.DimMult, config.DimMult);
        Assert.Equal(WanVaeConfig.Wan21.TemporalDownsample, config.TemporalDownsample);
        Assert.Equal((WanVaeConfig.Wan21.ZDim, WanVaeConfig.Wan21.NumResBlocks), (config.ZDim, config.NumResBlocks));
    }

    [Fact]
    public void A_temporal_flag_per_level_transition_is_required()
    {
        var config = WanVaeConfig.Tiny with { TemporalDownsample = [false, true] };

        var error = Assert.Throws<ArgumentException>(config.Validate);

        Assert.Contains("one flag per level transition (3), found 2", error.Message, StringComparison.Ordinal);
    }
}
