using TurboDiffusion.Engine.Models.Wan;

namespace TurboDiffusion.Engine.Tests.Models.Wan;

public sealed class WanConfigTests
{
    [Fact]
    public void Every_preset_is_valid_with_the_shared_constants()
    {
        foreach (var config in WanConfig.Presets)
        {
            config.Validate();
            Assert.Equal(new WanPatchSize(1, 2, 2), config.PatchSize);
            Assert.Equal(256, config.FreqDim);
            Assert.Equal(1e-6, config.Eps);
            Assert.Equal(16, config.OutDim);
            Assert.Equal(config.Task == WanTask.ImageToVideo ? 36 : 16, config.InDim);
        }
    }

    [Fact]
    public void Tiny_presets_are_the_built_in_demo_networks()
    {
        Assert.Equal((256, 512, 2, 128, 2, 64, 32, 16), Shape(WanConfig.Tiny));
        Assert.Equal((256, 512, 2, 128, 2, 64, 32, 36), Shape(WanConfig.TinyI2V));
        Assert.Equal(20, WanConfig.TinyI2V.ConditionDim);
    }

    [Fact]
    public void An_impossible_config_is_rejected_naming_the_field()
    {
        var config = WanConfig.Tiny with { NumHeads = 3 };

        var error = Assert.Throws<ArgumentException>(config.Validate);

        Assert.Contains("Dim 256 must be a positive multiple of NumHeads 3", error.Message, StringComparison.Ordinal);
    }

    private static (int, int, int, int, int, int, int, int) Shape(WanConfig c) =>
        (c.Dim, c.FfnDim, c.NumHeads, c.HeadDim, c.NumLayers, c.TextDim, c.TextLen, c.InDim);
}
