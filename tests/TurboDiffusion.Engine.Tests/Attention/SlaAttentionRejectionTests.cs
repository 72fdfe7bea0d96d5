using TorchSharp;
using TurboDiffusion.Engine.Attention;
using TurboDiffusion.Engine.Checkpoints;
using TurboDiffusion.Engine.Models.Wan;
using TurboDiffusion.Engine.Runtime;
using TurboDiffusion.Engine.Tests.Fixtures;
using TurboDiffusion.Engine.Tests.Models.Wan;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Tests.Attention;

public sealed class SlaAttentionRejectionTests
{
    private const string EditedPath = "edited-turbo.pth";

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

    [Fact]
    public void An_official_wan_checkpoint_has_no_proj_l_and_sla_says_which_key_is_missing()
    {
        var fixture = GoldenFixture.Open(WanFixture.TextToVideoSet);
        using var checkpoint = WanCheckpoint.Open(fixture.PathOf("wan_native.safetensors"));

        var error = Assert.Throws<CheckpointException>(() =>
            WanModel.Load(checkpoint, fixture.Manifest.WanConfig(), WanPrecision.Fp32, selfAttention: SlaAttention.ForBlocks(checkpoint, SlaOptions.Default, WanPrecision.Fp32)));

        Assert.Equal("blocks.0.self_attn.attn_op.local_attn.proj_l.weight", error.Key);
        Assert.Equal(fixture.PathOf("wan_native.safetensors"), error.FilePath);
        Assert.Contains("OfficialWan checkpoint with 0 proj_l tensors", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_proj_l_fails_the_load_naming_file_and_key_and_frees_what_was_read()
    {
        var fixture = GoldenFixture.Open(WanFixture.TextToVideoSet);
        var config = fixture.Manifest.WanConfig();
        var missing = $"blocks.{config.NumLayers - 1}.self_attn.attn_op.local_attn.proj_l.bias";
        using var checkpoint = WanCheckpoint.Over(new ComposedTensorReader(EditedPath).Layer(CheckpointFile.Open(fixture.PathOf("turbo.pth"))).Without(missing));
        var live = DisposeScopeManager.Statistics.ThreadTotalLiveCount;

        var error = Assert.Throws<CheckpointException>(() =>
            WanModel.Load(checkpoint, config, WanPrecision.Fp32, selfAttention: SlaAttention.ForBlocks(checkpoint, SlaOptions.Default, WanPrecision.Fp32)));

        Assert.Equal(live, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
        Assert.Equal(missing, error.Key);
        Assert.Equal(EditedPath, error.FilePath);
        Assert.Contains($"{EditedPath}, tensor '{missing}': missing", error.Message, StringComparison.Ordinal);
    }
}
