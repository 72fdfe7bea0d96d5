using TorchSharp;
using TurboDiffusion.Engine.Checkpoints;
using TurboDiffusion.Engine.Models.Wan;
using TurboDiffusion.Engine.Runtime;
using TurboDiffusion.Engine.Tests.Fixtures;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Tests.Models.Wan;

public sealed class WanModelLoadingTests
{
    private const string EditedPath = "edited-wan-checkpoint.safetensors";

    [Fact]
    public void A_missing_tensor_fails_naming_file_key_and_expected_shape_and_frees_what_was_read()
    {
        var config = Fixture().Manifest.WanConfig();
        var missing = $"blocks.{config.NumLayers - 1}.cross_attn.norm_k.weight";
        using var weights = NativeWeights().Without(missing);
        var live = DisposeScopeManager.Statistics.ThreadTotalLiveCount;

        var error = Assert.Throws<CheckpointException>(() => WanModel.Load(weights, config, WanPrecision.Fp32));

        Assert.Equal(live, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
        Assert.Equal(missing, error.Key);
        Assert.Equal(EditedPath, error.FilePath);
        Assert.Contains(EditedPath, error.Message, StringComparison.Ordinal);
        Assert.Contains(missing, error.Message, StringComparison.Ordinal);
        Assert.Contains("missing", error.Message, StringComparison.Ordinal);
        Assert.Contains($"[{config.Dim}]", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_tensor_of_the_wrong_shape_fails_naming_expected_and_found_shape_and_dtype()
    {
        var config = Fixture().Manifest.WanConfig();
        using var weights = NativeWeights().Layer(new InMemoryTensorReader("patch.safetensors", new Dictionary<string, Tensor>
        {
            ["blocks.0.ffn.0.weight"] = zeros(config.FfnDim - 1, config.Dim),
        }));

        var error = Assert.Throws<CheckpointException>(() => WanModel.Load(weights, config, WanPrecision.Fp32));

        Assert.Equal("blocks.0.ffn.0.weight", error.Key);
        Assert.Contains(EditedPath, error.Message, StringComparison.Ordinal);
        Assert.Contains(
            $"expected a floating-point tensor of shape [{config.FfnDim}, {config.Dim}], found Float32 [{config.FfnDim - 1}, {config.Dim}]", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_tensor_of_a_non_float_dtype_fails_naming_the_dtype_found()
    {
        var config = Fixture().Manifest.WanConfig();
        using var weights = NativeWeights().Layer(new InMemoryTensorReader("patch.safetensors", new Dictionary<string, Tensor>
        {
            ["blocks.0.self_attn.q.weight"] = zeros([config.Dim, config.Dim], ScalarType.Int8),
        }));

        var error = Assert.Throws<CheckpointException>(() => WanModel.Load(weights, config, WanPrecision.Fp32));

        Assert.Equal("blocks.0.self_attn.q.weight", error.Key);
        Assert.Contains($"found Int8 [{config.Dim}, {config.Dim}]", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_i2v_checkpoint_with_a_t2v_patch_embedding_is_rejected()
    {
        var textToVideo = Fixture().Manifest.WanConfig();
        var imageToVideo = GoldenFixture.Open(WanFixture.ImageToVideoSet).Manifest.WanConfig();
        using var weights = NativeWeights();

        var error = Assert.Throws<CheckpointException>(() => WanModel.Load(weights, imageToVideo, WanPrecision.Fp32));

        Assert.Equal("patch_embedding.weight", error.Key);
        Assert.Contains(PatchShape(imageToVideo), error.Message, StringComparison.Ordinal);
        Assert.Contains(PatchShape(textToVideo), error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Inputs_that_do_not_fit_the_model_are_rejected_before_any_work()
    {
        TorchRuntime.EnsureLoaded();
        using var weights = new RandomWanWeights(WanConfig.TinyI2V, seed: 7);
        using var model = WanModel.Load(weights, WanConfig.TinyI2V, WanPrecision.Fp32);
        using var prompt = zeros(1, 20, 64);
        using var tooLong = zeros(1, 33, 64);
        using var tooNarrow = zeros(1, 20, 63);
        using var context = model.PrepareContext(prompt);
        using var x = zeros(new long[] { 1, 16, 2, 4, 4 });
        using var y = zeros(new long[] { 1, 20, 2, 4, 4 });
        using var xOddWidth = zeros(new long[] { 1, 16, 2, 4, 5 });
        using var yOddWidth = zeros(new long[] { 1, 20, 2, 4, 5 });
        using var t = full(new long[] { 1 }, 988f);

        Assert.Throws<ArgumentException>(() => model.Forward(x, t, context));
        Assert.Throws<ArgumentException>(() => model.Forward(xOddWidth, t, context, yOddWidth));
        Assert.Throws<ArgumentException>(() => model.PrepareContext(tooLong));
        Assert.Throws<ArgumentException>(() => model.PrepareContext(tooNarrow));
        using var output = model.Forward(x, t, context, y);
        Assert.Equal(new long[] { 1, 16, 2, 4, 4 }, output.shape);
    }

    private static GoldenFixture Fixture() => GoldenFixture.Open(WanFixture.TextToVideoSet);

    private static ComposedTensorReader NativeWeights() => new ComposedTensorReader(EditedPath).Layer(Fixture().Tensors("wan_native.safetensors"));

    private static string PatchShape(WanConfig config) =>
        $"[{config.Dim}, {config.InDim}, {config.PatchSize.T}, {config.PatchSize.H}, {config.PatchSize.W}]";
}
