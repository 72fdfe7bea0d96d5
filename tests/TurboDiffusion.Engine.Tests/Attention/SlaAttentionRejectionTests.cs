using TurboDiffusion.Engine.Attention;
using TurboDiffusion.Engine.Runtime;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Tests.Attention;

public sealed class SlaAttentionRejectionTests
{
    public SlaAttentionRejectionTests() => TorchRuntime.EnsureLoaded();

    [Fact]
    public void A_head_dim_other_than_proj_l_width_is_rejected_naming_both()
    {
        using var attention = new SlaAttention(zeros(128, 128), zeros(128), SlaOptions.Default);
        using var q = zeros(1, 256, 2, 64);

        var error = Assert.Throws<ArgumentException>(() => attention.Forward(q, q, q));

        Assert.Contains("Linear(128, 128)", error.Message, StringComparison.Ordinal);
        Assert.Contains("[1, 256, 2, 64]", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_proj_l_that_is_not_square_is_rejected()
    {
        using var weight = zeros(128, 64);
        using var bias = zeros(128);

        var error = Assert.Throws<ArgumentException>(() => new SlaAttention(weight, bias, SlaOptions.Default));

        Assert.Contains("[128, 64]", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_ratio_that_keeps_no_key_block_is_rejected_with_the_smallest_that_would()
    {
        using var attention = new SlaAttention(zeros(16, 16), zeros(16), new SlaOptions(0.1, 64, 64));
        using var q = zeros(1, 256, 1, 16);

        var error = Assert.Throws<ArgumentException>(() => attention.Forward(q, q, q));

        Assert.Contains("keeps no key block of 4", error.Message, StringComparison.Ordinal);
        Assert.Contains("at least 1/4", error.Message, StringComparison.Ordinal);
    }
}
