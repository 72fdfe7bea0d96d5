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
        var missing = WanVaeTensorCatalog.Tensors(VaeTinyFixture.Config).Last(t => t.Name.StartsWith("decoder.upsamples.", StringComparison.Ordinal) && t.Shape.Length == 5);
        using var weights = new ComposedTensorReader(EditedPath).Layer(VaeTinyFixture.Weights()).Without(missing.Name);
        var live = DisposeScopeManager.Statistics.ThreadTotalLiveCount;

        var error = Assert.Throws<CheckpointException>(() => Engine.Models.WanVae.WanVae.Load(weights, VaeTinyFixture.Config, VaePrecision.Fp32));

        Assert.Equal(live, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
        Assert.Equal(missing.Name, error.Key);
        Assert.Equal(EditedPath, error.FilePath);
        Assert.Contains(EditedPath, error.Message, StringComparison.Ordinal);
        Assert.Contains($"'{missing.Name}': missing", error.Message, StringComparison.Ordinal);
        Assert.Contains($"[{string.Join(", ", missing.Shape)}]", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_tensor_of_another_shape_fails_naming_expected_and_found_shape_and_dtype()
    {
        const string edited = "decoder.head.2.weight";
        long[] expected;
        using (var original = VaeTinyFixture.Weights())
        {
            expected = original.Info(edited).Shape;
        }

        long[] wider = [expected[0] + 1, .. expected[1..]];
        using var weights = new ComposedTensorReader(EditedPath).Layer(VaeTinyFixture.Weights()).Layer(new InMemoryTensorReader("patch.safetensors", new Dictionary<string, Tensor>
        {
            [edited] = zeros(wider),
        }));

        var error = Assert.Throws<CheckpointException>(() => Engine.Models.WanVae.WanVae.Load(weights, VaeTinyFixture.Config, VaePrecision.Fp32));

        Assert.Equal(edited, error.Key);
        Assert.Contains(EditedPath, error.Message, StringComparison.Ordinal);
        Assert.Contains($"expected a floating-point tensor of shape {Show(expected)}, found Float32 {Show(wider)}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Weights_of_another_config_fail_at_the_first_tensor_with_both_shapes()
    {
        using var weights = VaeTinyFixture.Weights();
        var first = WanVaeTensorCatalog.Tensors(WanVaeConfig.Wan21)[0];

        var error = Assert.Throws<CheckpointException>(() => Engine.Models.WanVae.WanVae.Load(weights, WanVaeConfig.Wan21, VaePrecision.Fp32));

        Assert.Equal(first.Name, error.Key);
        Assert.Contains($"shape {Show(first.Shape)}, found {TensorDType.Describe(weights.Info(first.Name).Type)} {Show(weights.Info(first.Name).Shape)}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_tensor_no_module_reads_fails_the_load_naming_it()
    {
        using var weights = new ComposedTensorReader(EditedPath).Layer(VaeTinyFixture.Weights()).Layer(new InMemoryTensorReader("extra.safetensors", new Dictionary<string, Tensor>
        {
            ["decoder.middle.3.gamma"] = ones([1, 1, 1, 1]),
        }));
        var live = DisposeScopeManager.Statistics.ThreadTotalLiveCount;

        var error = Assert.Throws<CheckpointException>(() => Engine.Models.WanVae.WanVae.Load(weights, VaeTinyFixture.Config, VaePrecision.Fp32));

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
        var latents = zeros([1, VaeTinyFixture.Config.ZDim, 1, 1, 1]);
        int tensors;
        using (var weights = VaeTinyFixture.Weights())
        {
            tensors = weights.Names.Count;
        }

        var live = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        var vae = VaeTinyFixture.Load(precision);
        var loaded = DisposeScopeManager.Statistics.ThreadTotalLiveCount - live;
        var decoded = vae.Decode(latents, cancellationToken: TestContext.Current.CancellationToken);

        vae.Dispose();

        Assert.Equal(tensors, loaded);
        Assert.Equal(output, decoded.dtype);
        Assert.Equal(live + 1, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }

    private static string Show(long[] shape) => $"[{string.Join(", ", shape)}]";
}
