using TurboDiffusion.Engine.Attention;

namespace TurboDiffusion.Engine.Tests.Attention;

public sealed class SlaOptionsTests
{
    [Theory]
    [InlineData(0.0)]
    [InlineData(-0.1)]
    [InlineData(1.0000001)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void A_ratio_outside_zero_to_one_is_rejected_with_the_range(double ratio)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new SlaOptions(ratio));

        Assert.Equal("ratio", error.ParamName);
        Assert.Contains("(0, 1]", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0, 64, "queryBlock")]
    [InlineData(-128, 64, "queryBlock")]
    [InlineData(128, 0, "keyBlock")]
    [InlineData(128, -64, "keyBlock")]
    public void Block_sizes_that_are_not_positive_are_rejected(int queryBlock, int keyBlock, string parameter)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new SlaOptions(0.1, queryBlock, keyBlock));

        Assert.Equal(parameter, error.ParamName);
        Assert.Contains($"query {queryBlock}, key {keyBlock}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Defaults_are_the_triton_sla_setting_and_hopper_swaps_the_blocks()
    {
        var hopper = SlaOptions.Hopper(SlaOptions.RecommendedRatio);

        Assert.Equal((0.1, 128, 64), (SlaOptions.Default.Ratio, SlaOptions.Default.QueryBlock, SlaOptions.Default.KeyBlock));
        Assert.Equal((0.15, 64, 128), (hopper.Ratio, hopper.QueryBlock, hopper.KeyBlock));
    }

    // The reference's budget table for Wan at 480P (Mk 512 or 256) and 720P (Mk 1182 or 591), and the edges.
    [Theory]
    [InlineData(0.1, 512, 51)]
    [InlineData(0.15, 512, 76)]
    [InlineData(0.1, 256, 25)]
    [InlineData(0.15, 256, 38)]
    [InlineData(0.1, 1182, 118)]
    [InlineData(0.15, 1182, 177)]
    [InlineData(0.1, 591, 59)]
    [InlineData(0.15, 591, 88)]
    [InlineData(1.0, 7, 7)]
    [InlineData(0.1, 9, 0)]
    public void Top_k_is_the_floor_of_ratio_times_key_blocks_capped_at_all_of_them(double ratio, long keyBlocks, long expected)
    {
        Assert.Equal(expected, new SlaOptions(ratio).TopK(keyBlocks));
    }
}
