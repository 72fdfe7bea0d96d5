using TurboDiffusion.Engine.Attention;
using TurboDiffusion.Engine.Checkpoints;
using TurboDiffusion.Engine.Models.Umt5;
using TurboDiffusion.Engine.Models.Wan;
using TurboDiffusion.Engine.Pipelines;
using TurboDiffusion.Engine.Runtime;
using TurboDiffusion.Engine.Tests.Fixtures;
using TurboDiffusion.Engine.Tests.Models.Wan;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Tests.Pipelines;

/// <summary>A DiT's architecture read from its tensor shapes: the fixture checkpoints, the presets, and made-up state dicts, consistent or not.</summary>
public sealed class WanConfigDetectorTests
{
    // A Wan DiT of no released size: 3 heads of 128, 3 blocks, 8 latent channels.
    private static readonly WanConfig Unreleased = new("unreleased", WanTask.TextToVideo, Dim: 384, FfnDim: 640, NumHeads: 3, NumLayers: 3, InDim: 8, OutDim: 8, FreqDim: 64, TextDim: 32);

    // The smallest Wan DiT: one head, for the inconsistent state dicts.
    private static readonly WanConfig Small = new("small", WanTask.TextToVideo, Dim: 128, FfnDim: 256, NumHeads: 1, NumLayers: 3, InDim: 4, OutDim: 4, FreqDim: 32, TextDim: 16);

    public WanConfigDetectorTests() => TorchRuntime.EnsureLoaded();

    [Theory]
    [InlineData("wan_native.safetensors")]
    [InlineData("turbo.pth")]
    [InlineData("turbo-quant.pth")]
    public void Each_t2v_fixture_checkpoint_gives_the_network_its_manifest_describes(string file)
    {
        var fixture = GoldenFixture.Open(WanFixture.TextToVideoSet);
        using var checkpoint = WanCheckpoint.Open(fixture.PathOf(file));

        var detected = WanConfigDetector.Detect(checkpoint);

        AssertArchitecture(fixture.Manifest.WanConfig(), detected);
    }

    [Theory]
    [InlineData("wan_native.safetensors", "native.")]
    [InlineData("turbo.pth", "turbo.")]
    public void The_i2v_fixture_weights_give_the_network_its_manifest_describes(string shared, string patchPrefix)
    {
        var t2v = GoldenFixture.Open(WanFixture.TextToVideoSet);
        var i2v = GoldenFixture.Open(WanFixture.ImageToVideoSet);
        using var checkpoint = WanCheckpoint.Over(new ComposedTensorReader($"{shared} + I2V patch embedding")
            .Layer(CheckpointFile.Open(t2v.PathOf(shared)))
            .Layer(i2v.Tensors("i2v_patch_embedding.safetensors"), patchPrefix));

        var detected = WanConfigDetector.Detect(checkpoint);

        Assert.Equal(WanTask.ImageToVideo, detected.Task);
        AssertArchitecture(i2v.Manifest.WanConfig(), detected);
    }

    [Theory]
    [InlineData("Wan2.1-T2V-1.3B")]
    [InlineData("Wan2.1-T2V-14B")]
    [InlineData("Wan2.2-I2V-A14B-high-noise")]
    [InlineData("tiny")]
    [InlineData("tiny-i2v")]
    public void A_checkpoint_of_a_preset_architecture_is_reported_as_the_preset(string name)
    {
        var preset = WanConfig.Presets.Single(c => c.Name == name);
        using var checkpoint = WanCheckpoint.Over(new RandomWanWeights(preset, seed: 1));

        Assert.Same(preset, WanConfigDetector.Detect(checkpoint));
    }

    [Fact]
    public void The_a14b_low_noise_expert_is_reported_as_the_a14b_architecture()
    {
        using var checkpoint = WanCheckpoint.Over(new RandomWanWeights(WanConfig.Wan22I2VA14BLowNoise, seed: 1));

        Assert.Same(WanConfig.Wan22I2VA14BHighNoise, WanConfigDetector.Detect(checkpoint));
    }

    [Fact]
    public void An_unreleased_architecture_loads_from_a_turbo_pth_and_runs()
    {
        using var scratch = new ScratchDirectory();
        using var scope = NewDisposeScope();
        using var synthetic = new SyntheticWanCheckpoint(Unreleased);
        var path = synthetic.WriteTurbo(scratch.File("TurboWan-unreleased.pth"));

        using var model = VideoPipelineLoader.LoadDit(path, CPU);
        using var context = model.PrepareContext(randn(1, 5, Unreleased.TextDim));
        var x = randn([1, Unreleased.OutDim, 2, 4, 6]);
        using var velocity = model.Forward(x, full(new long[] { 1 }, 500f), context);

        Assert.Equal("Wan T2V DiT (dim 384, 3 heads, 3 blocks)", model.Config.Name);
        AssertArchitecture(Unreleased, model.Config);
        Assert.Equal(x.shape, velocity.shape);
        Assert.True(velocity.isfinite().all().item<bool>());
    }

    [Fact]
    public void More_input_than_output_channels_is_image_to_video_and_the_conv_kernel_gives_the_patch()
    {
        var config = Small with { Task = WanTask.ImageToVideo, InDim = 10, PatchSize = new WanPatchSize(2, 2, 2) };
        using var scratch = new ScratchDirectory();
        using var synthetic = new SyntheticWanCheckpoint(config);
        using var checkpoint = WanCheckpoint.Open(synthetic.WriteOfficial(scratch.File("official")));

        var detected = WanConfigDetector.Detect(checkpoint);

        AssertArchitecture(config, detected);
        Assert.Equal(6, detected.ConditionDim);
    }

    [Fact]
    public void Sla_projections_give_the_head_dim()
    {
        var config = Small with { Dim = 256, NumHeads = 4 };
        using var scratch = new ScratchDirectory();
        using var synthetic = new SyntheticWanCheckpoint(config);
        for (var block = 0; block < config.NumLayers; block++)
        {
            synthetic.With($"{DitSlaProjection.Prefix(block)}.weight", config.HeadDim, config.HeadDim).With($"{DitSlaProjection.Prefix(block)}.bias", config.HeadDim);
        }

        using var checkpoint = WanCheckpoint.Open(synthetic.WriteTurbo(scratch.File("turbo.pth")));

        var detected = WanConfigDetector.Detect(checkpoint);

        Assert.Equal((config.NumHeads, config.HeadDim), (detected.NumHeads, detected.HeadDim));
        var error = Assert.Throws<CheckpointException>(() => WanConfigDetector.Detect(checkpoint, headDim: WanConfig.StandardHeadDim));
        Assert.Contains($"is [{config.HeadDim}, {config.HeadDim}], so its heads are {config.HeadDim} wide, not the {WanConfig.StandardHeadDim} asked for", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_block_whose_ffn_differs_from_block_0_is_refused_with_both_shapes()
    {
        var error = Refusal(new SyntheticWanCheckpoint(Small).With("blocks.2.ffn.0.weight", Small.FfnDim * 2, Small.Dim));

        Assert.Equal("blocks.2.ffn.0.weight", error.Key);
        Assert.Contains($"is [{Small.FfnDim * 2}, {Small.Dim}] but blocks.0.ffn.0.weight is [{Small.FfnDim}, {Small.Dim}]", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_block_missing_a_tensor_of_block_0_is_refused()
    {
        var error = Refusal(new SyntheticWanCheckpoint(Small).Without(n => n == "blocks.1.norm3.bias"));

        Assert.Equal("blocks.1.norm3.bias", error.Key);
        Assert.Contains($"missing, but blocks.0.norm3.bias is [{Small.Dim}]", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_gap_in_the_block_numbers_is_refused_naming_the_missing_block()
    {
        var error = Refusal(new SyntheticWanCheckpoint(Small).Without(n => n.StartsWith("blocks.1.", StringComparison.Ordinal)));

        Assert.Equal("blocks.1", error.Key);
        Assert.Contains("blocks up to blocks.2 but no tensor of blocks.1", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_dim_that_is_not_a_multiple_of_the_head_dim_is_refused()
    {
        var error = Refusal(new SyntheticWanCheckpoint(Small with { Dim = 192, NumHeads = 2 }));

        Assert.Equal("patch_embedding.weight", error.Key);
        Assert.Contains($"dim 192 is not a multiple of the head dim {WanConfig.StandardHeadDim}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_tensor_outside_the_blocks_that_disagrees_with_the_architecture_is_refused_with_both_shapes()
    {
        var error = Refusal(new SyntheticWanCheckpoint(Small).With("time_projection.1.weight", 5 * Small.Dim, Small.Dim));

        Assert.Equal("time_projection.1.weight", error.Key);
        Assert.Contains($"is [{5 * Small.Dim}, {Small.Dim}], but the architecture the other tensors give (dim {Small.Dim}, ffn {Small.FfnDim}", error.Message, StringComparison.Ordinal);
        Assert.Contains($"has it as [{6 * Small.Dim}, {Small.Dim}]", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_head_whose_outputs_do_not_fill_whole_patches_is_refused()
    {
        var cells = Small.PatchSize.Volume;
        var error = Refusal(new SyntheticWanCheckpoint(Small).With("head.head.weight", (Small.OutDim * cells) + 1, Small.Dim));

        Assert.Equal("head.head.weight", error.Key);
        Assert.Contains($"{(Small.OutDim * cells) + 1} outputs are not a whole number of channels for the {cells} cells of the patch", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_wan21_i2v_checkpoint_with_the_clip_branch_is_refused_naming_it()
    {
        var error = Refusal(new SyntheticWanCheckpoint(Small).With("img_emb.proj.1.weight", Small.Dim, Small.Dim));

        Assert.Equal("img_emb.proj.1.weight", error.Key);
        Assert.Contains("CLIP image branch", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_model_directory_whose_dit_does_not_fit_the_text_encoder_fails_before_anything_else_loads()
    {
        using var scratch = new ScratchDirectory();
        foreach (var placeholder in new[] { ModelFiles.TextEncoderFile, "spiece.model", ModelFiles.VaeFile })
        {
            File.WriteAllBytes(scratch.File(placeholder), []);
        }

        using (var synthetic = new SyntheticWanCheckpoint(Small))
        {
            synthetic.WriteTurbo(scratch.File("TurboWan2.1-T2V-small.pth"));
        }

        var error = Assert.Throws<CheckpointException>(() => VideoPipelineLoader.Load(scratch.Path, imageToVideo: false, CPU));

        Assert.EndsWith("TurboWan2.1-T2V-small.pth", error.FilePath, StringComparison.Ordinal);
        Assert.Contains($"takes text of width {Small.TextDim}, but {Umt5Config.Xxl.Name} gives {Umt5Config.Xxl.Dim}", error.Message, StringComparison.Ordinal);
    }

    /// <summary>What the weights fix; text length and eps are not in them.</summary>
    private static void AssertArchitecture(WanConfig expected, WanConfig detected) =>
        Assert.Equal(expected, detected with { Name = expected.Name, TextLen = expected.TextLen, Eps = expected.Eps });

    /// <summary>Writes the state dict as the official safetensors, loads it as the pipelines do, and returns why it was refused.</summary>
    private static CheckpointException Refusal(SyntheticWanCheckpoint synthetic)
    {
        using var scratch = new ScratchDirectory();
        using (synthetic)
        {
            synthetic.WriteOfficial(scratch.File("official"));
        }

        var error = Assert.Throws<CheckpointException>(() => VideoPipelineLoader.LoadDit(scratch.File("official"), CPU));
        Assert.StartsWith(scratch.File("official"), error.FilePath, StringComparison.Ordinal);
        return error;
    }
}
