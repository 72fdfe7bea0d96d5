using TorchSharp;
using TurboDiffusion.Engine.Checkpoints;
using TurboDiffusion.Engine.Models.Umt5;
using TurboDiffusion.Engine.Tests.Fixtures;
using TurboDiffusion.Engine.Tests.Models.Wan;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Tests.Models.Umt5;

public sealed class Umt5EncoderLoadingTests(ITestOutputHelper output)
{
    private const string EditedPath = "edited-umt5.safetensors";

    private readonly Umt5Fixture fixture = Umt5Fixture.Open();

    [Fact]
    public void A_missing_tensor_fails_naming_file_key_and_expected_shape_and_frees_what_was_read()
    {
        var config = fixture.Config;
        var missing = $"blocks.{config.Layers - 1}.ffn.fc2.weight";
        using var weights = Edited().Without(missing);
        var live = DisposeScopeManager.Statistics.ThreadTotalLiveCount;

        var error = Assert.Throws<CheckpointException>(() => Umt5Encoder.Load(weights, config, Umt5Precision.Fp32));

        Assert.Equal(live, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
        Assert.Equal(EditedPath, error.FilePath);
        Assert.Equal(missing, error.Key);
        Assert.Contains(EditedPath, error.Message, StringComparison.Ordinal);
        Assert.Contains($"'{missing}'", error.Message, StringComparison.Ordinal);
        Assert.Contains($"missing; expected a floating-point tensor of shape [{config.Dim}, {config.DimFfn}]", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_tensor_of_the_wrong_shape_fails_naming_expected_and_found()
    {
        var config = fixture.Config;
        using var weights = Edited().Layer(new InMemoryTensorReader("patch.safetensors", new Dictionary<string, Tensor>
        {
            ["blocks.0.pos_embedding.embedding.weight"] = zeros(config.Buckets, 2 * config.Heads),
        }));

        var error = Assert.Throws<CheckpointException>(() => Umt5Encoder.Load(weights, config, Umt5Precision.Fp32));

        Assert.Equal("blocks.0.pos_embedding.embedding.weight", error.Key);
        Assert.Contains(EditedPath, error.Message, StringComparison.Ordinal);
        Assert.Contains(
            $"expected a floating-point tensor of shape [{config.Buckets}, {config.Heads}], found Float32 [{config.Buckets}, {2 * config.Heads}]", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_tensor_of_a_non_float_dtype_fails_naming_the_dtype_found()
    {
        var config = fixture.Config;
        using var weights = Edited().Layer(new InMemoryTensorReader("patch.safetensors", new Dictionary<string, Tensor>
        {
            ["token_embedding.weight"] = zeros([config.VocabSize, config.Dim], ScalarType.Int64),
        }));

        var error = Assert.Throws<CheckpointException>(() => Umt5Encoder.Load(weights, config, Umt5Precision.Fp32));

        Assert.Equal("token_embedding.weight", error.Key);
        Assert.Contains($"found Int64 [{config.VocabSize}, {config.Dim}]", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_checkpoint_for_another_config_is_rejected_at_the_first_tensor()
    {
        using var weights = Edited();

        var (xxl, tiny) = (Umt5Config.Xxl, fixture.Config);

        var error = Assert.Throws<CheckpointException>(() => Umt5Encoder.Load(weights, xxl, Umt5Precision.Bf16));

        Assert.Equal("token_embedding.weight", error.Key);
        Assert.Contains($"[{xxl.VocabSize}, {xxl.Dim}], found Float32 [{tiny.VocabSize}, {tiny.Dim}]", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_bf16_pth_checkpoint_gives_the_reference_output_in_float64()
    {
        var tolerance = fixture.Golden.Tolerance("float64 implementation vs out_fp64 (valid rows)");
        using var scope = NewDisposeScope();
        using var reader = PthFile.Open(fixture.Golden.PathOf("umt5.pth"));
        using var encoder = Umt5Encoder.Load(reader, fixture.Config, Umt5Precision.Fp64);
        var n = fixture.ValidTokens();

        var encoded = encoder.Forward(fixture.Input("ids"), fixture.Input("mask"));

        var difference = TensorAssert.Close(encoded[.., ..n], fixture.Output("out_fp64")[.., ..n], tolerance, "umT5 fp64 from umt5.pth, valid rows");
        output.WriteLine($"umt5.pth fp64: max_abs {difference.MaxAbs:E2}, rel_l2 {difference.RelL2:E2}");
    }

    [Fact]
    public void The_catalog_of_the_fixture_config_lists_exactly_the_fixture_checkpoints_tensors()
    {
        using var reader = SafetensorsFile.Open(fixture.WeightsPath);

        var catalog = Umt5TensorCatalog.Tensors(fixture.Config, ScalarType.Float32).ToList();

        Assert.Equal(reader.Names.Order(StringComparer.Ordinal), catalog.Select(t => t.Name).Order(StringComparer.Ordinal));
        Assert.All(catalog, t => Assert.Equal(reader.Info(t.Name).Shape, t.Shape));
    }

    [Fact]
    public void Random_weights_load_and_encode_deterministically()
    {
        using var scope = NewDisposeScope();
        using var first = new RandomUmt5Weights(Umt5Config.Tiny, seed: 3);
        using var second = new RandomUmt5Weights(Umt5Config.Tiny, seed: 3);
        using var a = Umt5Encoder.Load(first, Umt5Config.Tiny, Umt5Precision.Fp32);
        using var b = Umt5Encoder.Load(second, Umt5Config.Tiny, Umt5Precision.Fp32);
        int[] tokens = [7, 300, 12, 1];

        var contextA = a.Context(tokens);
        var contextB = b.Context(tokens);

        Assert.Equal(0f, (contextA - contextB).abs().max().item<float>());
        Assert.True(contextA.isfinite().all().item<bool>());
        Assert.InRange(contextA[.., ..tokens.Length].std().item<float>(), 0.1f, 10f);
    }

    private ComposedTensorReader Edited() => new ComposedTensorReader(EditedPath).Layer(SafetensorsFile.Open(fixture.WeightsPath));
}
