using TorchSharp;
using TurboDiffusion.Engine.Checkpoints;
using TurboDiffusion.Engine.Models.WanVae;
using TurboDiffusion.Engine.Runtime;
using TurboDiffusion.Engine.Tests.Models.Wan;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Tests.Models.WanVae;

public sealed class WanVaeLoadingTests
{
    private const string EditedPath = "edited-vae.safetensors";

    public WanVaeLoadingTests() => TorchRuntime.EnsureLoaded();

    [Fact]
    public void A_missing_tensor_fails_naming_file_key_and_expected_shape_and_frees_what_was_read()
    {
        using var weights = new ComposedTensorReader(EditedPath).Layer(VaeTinyFixture.Weights()).Without("decoder.upsamples.7.time_conv.weight");
        var live = DisposeScopeManager.Statistics.ThreadTotalLiveCount;

        var error = Assert.Throws<CheckpointException>(() => Engine.Models.WanVae.WanVae.Load(weights, WanVaeConfig.Tiny, VaePrecision.Fp32));

        Assert.Equal(live, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
        Assert.Equal("decoder.upsamples.7.time_conv.weight", error.Key);
        Assert.Equal(EditedPath, error.FilePath);
        Assert.Contains(EditedPath, error.Message, StringComparison.Ordinal);
        Assert.Contains("'decoder.upsamples.7.time_conv.weight': missing", error.Message, StringComparison.Ordinal);
        Assert.Contains("[64, 32, 3, 1, 1]", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_tensor_of_another_shape_fails_naming_expected_and_found_shape_and_dtype()
    {
        using var weights = new ComposedTensorReader(EditedPath).Layer(VaeTinyFixture.Weights()).Layer(new InMemoryTensorReader("patch.safetensors", new Dictionary<string, Tensor>
        {
            ["decoder.head.2.weight"] = zeros([4, 8, 3, 3, 3]),
        }));

        var error = Assert.Throws<CheckpointException>(() => Engine.Models.WanVae.WanVae.Load(weights, WanVaeConfig.Tiny, VaePrecision.Fp32));

        Assert.Equal("decoder.head.2.weight", error.Key);
        Assert.Contains(EditedPath, error.Message, StringComparison.Ordinal);
        Assert.Contains("expected a floating-point tensor of shape [3, 8, 3, 3, 3], found Float32 [4, 8, 3, 3, 3]", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Weights_of_another_config_fail_at_the_first_tensor_with_both_shapes()
    {
        using var weights = VaeTinyFixture.Weights();

        var error = Assert.Throws<CheckpointException>(() => Engine.Models.WanVae.WanVae.Load(weights, WanVaeConfig.Wan21, VaePrecision.Fp32));

        Assert.Equal("encoder.conv1.weight", error.Key);
        Assert.Contains("shape [96, 3, 3, 3, 3], found BFloat16 [8, 3, 3, 3, 3]", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_tensor_no_module_reads_fails_the_load_naming_it()
    {
        using var weights = new ComposedTensorReader(EditedPath).Layer(VaeTinyFixture.Weights()).Layer(new InMemoryTensorReader("extra.safetensors", new Dictionary<string, Tensor>
        {
            ["decoder.middle.3.gamma"] = ones([32, 1, 1, 1]),
        }));
        var live = DisposeScopeManager.Statistics.ThreadTotalLiveCount;

        var error = Assert.Throws<CheckpointException>(() => Engine.Models.WanVae.WanVae.Load(weights, WanVaeConfig.Tiny, VaePrecision.Fp32));

        Assert.Equal(live, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
        Assert.Null(error.Key);
        Assert.Contains("1 tensors are not part of this Wan VAE (decoder.middle.3.gamma)", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(VaePrecision.Fp64, ScalarType.Float64)]
    [InlineData(VaePrecision.Fp32, ScalarType.Float32)]
    [InlineData(VaePrecision.Bf16, ScalarType.Float32)]
    public void Every_checkpoint_tensor_is_read_once_and_freed_with_the_model(VaePrecision precision, ScalarType output)
    {
        using var scope = NewDisposeScope();
        var latents = zeros([1, 16, 1, 1, 1]);
        var live = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        var vae = VaeTinyFixture.Load(precision);
        var loaded = DisposeScopeManager.Statistics.ThreadTotalLiveCount - live;
        var decoded = vae.Decode(latents, cancellationToken: TestContext.Current.CancellationToken);

        vae.Dispose();

        Assert.Equal(194, loaded);
        Assert.Equal(output, decoded.dtype);
        Assert.Equal(live + 1, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }
}
