using TurboDiffusion.Engine.Attention;
using TurboDiffusion.Engine.Checkpoints;
using TurboDiffusion.Engine.Models.Wan;
using TurboDiffusion.Engine.Pipelines;
using TurboDiffusion.Engine.Tests.Fixtures;
using TurboDiffusion.Engine.Tests.Models.Wan;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Tests.Pipelines;

/// <summary>The DiT's self-attention as the pipelines decide it at load, on dit_t2v_tiny's turbo.pth (with proj_l) and wan_native.safetensors (without).</summary>
public sealed class DitAttentionTests(ITestOutputHelper output)
{
    private const string Float32Tolerance = "float32 implementation vs out_fp64";
    private const string FirstProjection = "blocks.0.self_attn.attn_op.local_attn.proj_l.weight";

    [Fact]
    public void Auto_runs_the_turbo_pth_with_sla_in_every_block_on_the_cpu_and_matches_out_sla_fp64()
    {
        using var fixture = WanFixture.T2V();
        var run = fixture.Golden.Manifest.DitSlaOptions();

        using var model = VideoPipelineLoader.LoadDit(fixture.Golden.PathOf("turbo.pth"), CPU, new DitAttentionOptions(topK: run.Ratio, queryBlock: run.QueryBlock, keyBlock: run.KeyBlock));

        Assert.Equal(fixture.Config.NumLayers, model.SelfAttention.Count);
        Assert.All(model.SelfAttention, attention =>
        {
            var sla = Assert.IsType<SlaAttention>(attention);
            Assert.Equal("reference", sla.SparseBranch);
            Assert.Equal("reference", sla.LinearBranch);
            Assert.Equal(run, sla.Options);
        });
        Assert.Equal($"sla (top-k {run.Ratio}, blocks {run.QueryBlock}/{run.KeyBlock}; sparse branch reference, linear branch reference)", DitAttention.Describe(model));
        using var context = model.PrepareContext(fixture.Context);
        using var velocity = model.Forward(fixture.X, fixture.Timestep, context);
        using var outputs = fixture.Golden.Tensors("outputs.safetensors");
        using var expected = outputs.Load("out_sla_fp64");
        var difference = TensorAssert.Close(velocity, expected, fixture.Golden.Tolerance(Float32Tolerance), "pipeline DiT, auto attention, fp32 CPU vs out_sla_fp64");
        output.WriteLine($"max_abs {difference.MaxAbs:E2}, rel_l2 {difference.RelL2:E2}");
    }

    [Fact]
    public void Sla_without_blocks_in_the_options_takes_the_kernel_blocks()
    {
        using var fixture = WanFixture.T2V();

        using var model = VideoPipelineLoader.LoadDit(fixture.Golden.PathOf("turbo.pth"), CPU, new DitAttentionOptions(DitAttentionMode.Sla));

        Assert.All(model.SelfAttention, attention => Assert.Equal(SlaOptions.Default, Assert.IsType<SlaAttention>(attention).Options));
    }

    [Fact]
    public void Auto_runs_a_checkpoint_without_proj_l_dense()
    {
        using var fixture = WanFixture.T2V();

        using var model = VideoPipelineLoader.LoadDit(fixture.Golden.PathOf("wan_native.safetensors"), CPU);

        Assert.All(model.SelfAttention, attention => Assert.IsType<DenseAttention>(attention));
        Assert.Equal("dense (libtorch SDPA)", DitAttention.Describe(model));
    }

    [Theory]
    [InlineData(DitAttentionMode.Sla)]
    [InlineData(DitAttentionMode.SageSla)]
    public void Forced_sla_on_a_checkpoint_without_proj_l_fails_naming_the_file_and_the_missing_key(DitAttentionMode mode)
    {
        using var fixture = WanFixture.T2V();
        var path = fixture.Golden.PathOf("wan_native.safetensors");

        var error = Assert.Throws<CheckpointException>(() => VideoPipelineLoader.LoadDit(path, CPU, new DitAttentionOptions(mode)));

        Assert.Equal(path, error.FilePath);
        Assert.Equal(FirstProjection, error.Key);
        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        Assert.Contains(FirstProjection, error.Message, StringComparison.Ordinal);
        Assert.Contains($"attention {mode.ToString().ToLowerInvariant()} needs every block's SLA proj_l", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Forced_sagesla_on_the_cpu_fails_saying_why_instead_of_falling_back()
    {
        using var fixture = WanFixture.T2V();
        var path = fixture.Golden.PathOf("turbo.pth");

        var error = Assert.Throws<NotSupportedException>(() => VideoPipelineLoader.LoadDit(path, CPU, new DitAttentionOptions(DitAttentionMode.SageSla)));

        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        Assert.Contains("the model runs on cpu, not on a CUDA GPU", error.Message, StringComparison.Ordinal);
        Assert.Contains("the model computes in Float32, and SageSLA takes bf16", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Forced_dense_runs_the_turbo_pth_dense()
    {
        using var fixture = WanFixture.T2V();

        using var model = VideoPipelineLoader.LoadDit(fixture.Golden.PathOf("turbo.pth"), CPU, new DitAttentionOptions(DitAttentionMode.Dense));

        Assert.All(model.SelfAttention, attention => Assert.IsType<DenseAttention>(attention));
    }

    [Fact]
    public void The_built_in_tiny_model_runs_dense_and_refuses_forced_sla_for_want_of_proj_l()
    {
        using var pipeline = VideoPipelineLoader.Load(VideoPipelineLoader.Tiny, imageToVideo: false, CPU);

        var error = Assert.Throws<CheckpointException>(() =>
            VideoPipelineLoader.Load(VideoPipelineLoader.Tiny, imageToVideo: false, CPU, attention: new DitAttentionOptions(DitAttentionMode.Sla)));

        Assert.Equal("dense (libtorch SDPA)", pipeline.Description.Attention);
        Assert.Equal(FirstProjection, error.Key);
        Assert.Contains("random weights", error.Message, StringComparison.Ordinal);
        Assert.Contains("holds 0 proj_l tensors", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(-0.1)]
    [InlineData(1.5)]
    [InlineData(double.NaN)]
    public void A_top_k_ratio_outside_0_to_1_is_refused_with_the_range(double topK)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new DitAttentionOptions(topK: topK));

        Assert.Equal("topK", error.ParamName);
        Assert.Contains("(0, 1]", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0, 64, "queryBlock")]
    [InlineData(128, -64, "keyBlock")]
    public void A_block_that_is_not_a_positive_token_count_is_refused(int queryBlock, int keyBlock, string parameter)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new DitAttentionOptions(queryBlock: queryBlock, keyBlock: keyBlock));

        Assert.Equal(parameter, error.ParamName);
        Assert.Contains("positive token counts", error.Message, StringComparison.Ordinal);
    }
}
