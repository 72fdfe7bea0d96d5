using TorchSharp;
using TurboDiffusion.Engine.Attention;
using TurboDiffusion.Engine.Checkpoints;
using TurboDiffusion.Engine.Models.Wan;
using TurboDiffusion.Engine.Pipelines;
using TurboDiffusion.Engine.Runtime;
using TurboDiffusion.Engine.Tests.Fixtures;
using TurboDiffusion.Engine.Tests.Models.Wan;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Tests.Pipelines;

/// <summary>SLA's per-block proj_l read from a DiT checkpoint while the model loads, and what a checkpoint without it gets.</summary>
public sealed class DitSlaProjectionTests
{
    private const string EditedPath = "edited-turbo.pth";

    public DitSlaProjectionTests() => TorchRuntime.EnsureLoaded();

    [Fact]
    public void An_official_wan_checkpoint_has_no_proj_l_and_sla_says_which_key_is_missing()
    {
        var fixture = GoldenFixture.Open(WanFixture.TextToVideoSet);
        using var checkpoint = WanCheckpoint.Open(fixture.PathOf("wan_native.safetensors"));

        var error = Assert.Throws<CheckpointException>(() => Load(checkpoint, fixture.Manifest.WanConfig()));

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

        var error = Assert.Throws<CheckpointException>(() => Load(checkpoint, config));

        Assert.Equal(live, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
        Assert.Equal(missing, error.Key);
        Assert.Equal(EditedPath, error.FilePath);
        Assert.Contains($"{EditedPath}, tensor '{missing}': missing", error.Message, StringComparison.Ordinal);
    }

    private static WanModel Load(WanCheckpoint checkpoint, WanConfig config)
    {
        var plan = KernelPlan.SparseLinear(SlaOptions.Default, config, WanPrecision.Fp32, CPU);
        return WanModel.Load(checkpoint, config, WanPrecision.Fp32, CPU, DitAttention.SelfAttention(plan, checkpoint, WanPrecision.Fp32, CPU), plan);
    }
}
