using TurboDiffusion.Engine.Checkpoints;
using TurboDiffusion.Engine.Models.Wan;
using TurboDiffusion.Engine.Tests.Fixtures;
using TurboDiffusion.Engine.Tests.Models.Wan;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Tests.Checkpoints;

public sealed class CheckpointRequirementsTests
{
    private const string Ffn = "blocks.0.ffn.0.weight";
    private const string Norm3 = "blocks.0.norm3.weight";

    private readonly GoldenFixture fixture = GoldenFixture.Open(WanFixture.TextToVideoSet);

    private WanConfig Config => fixture.Manifest.WanConfig();

    [Fact]
    public void A_tensor_of_the_expected_shape_and_dtype_is_loaded_as_asked()
    {
        using var checkpoint = WanCheckpoint.Open(fixture.PathOf("turbo.pth"));

        using var weight = checkpoint.Require(Ffn, [Config.FfnDim, Config.Dim], StoredType(Ffn), ScalarType.Float32, CPU);

        Assert.Equal(ScalarType.Float32, weight.dtype);
        Assert.Equal(new long[] { Config.FfnDim, Config.Dim }, weight.shape);
    }

    [Fact]
    public void A_wrong_shape_names_file_key_expected_and_found()
    {
        using var checkpoint = WanCheckpoint.Open(fixture.PathOf("turbo.pth"));

        var error = Assert.Throws<CheckpointException>(() => checkpoint.Require(Ffn, [Config.FfnDim + 1, Config.Dim]));

        Assert.Equal(Ffn, error.Key);
        Assert.Contains(fixture.PathOf("turbo.pth"), error.Message, StringComparison.Ordinal);
        Assert.Contains(
            $"expected [{Config.FfnDim + 1}, {Config.Dim}], found [{Config.FfnDim}, {Config.Dim}] {TensorDType.Describe(StoredType(Ffn))}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_wrong_dtype_names_expected_and_found()
    {
        using var checkpoint = WanCheckpoint.Open(fixture.PathOf("turbo.pth"));
        var stored = StoredType(Norm3);
        var asked = stored == ScalarType.Float32 ? ScalarType.BFloat16 : ScalarType.Float32;

        var error = Assert.Throws<CheckpointException>(() => checkpoint.Require(Norm3, [Config.Dim], asked));

        Assert.Contains($"expected [{Config.Dim}] {TensorDType.Describe(asked)}, found [{Config.Dim}] {TensorDType.Describe(stored)}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_tensor_names_what_was_expected()
    {
        using var checkpoint = WanCheckpoint.Open(fixture.PathOf("turbo.pth"));
        var pastTheLastBlock = $"blocks.{Config.NumLayers}.ffn.0.weight";

        var error = Assert.Throws<CheckpointException>(() => checkpoint.Require(pastTheLastBlock, [Config.FfnDim, Config.Dim], ScalarType.BFloat16));

        Assert.Equal(pastTheLastBlock, error.Key);
        Assert.Contains(fixture.PathOf("turbo.pth"), error.Message, StringComparison.Ordinal);
        Assert.Contains($"missing; expected [{Config.FfnDim}, {Config.Dim}] BFloat16", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unexpected_keys_are_those_the_model_did_not_ask_for_in_checkpoint_order()
    {
        using var checkpoint = WanCheckpoint.Open(fixture.PathOf("turbo.pth"));
        var lastBlock = $"blocks.{Config.NumLayers - 1}.";
        var withoutTheLastBlock = checkpoint.Names.Where(n => !n.StartsWith(lastBlock, StringComparison.Ordinal) && n != "head.head.bias");

        var unexpected = checkpoint.UnexpectedKeys(withoutTheLastBlock);

        Assert.Equal(checkpoint.Names.Where(n => n.StartsWith(lastBlock, StringComparison.Ordinal)).Append("head.head.bias"), unexpected);
    }

    /// <summary>The dtype the manifest records for a tensor of turbo.pth.</summary>
    private ScalarType StoredType(string name) =>
        fixture.Manifest.Section("turbo_pth_keys").GetProperty(name)[0].GetString() switch
        {
            "bfloat16" => ScalarType.BFloat16,
            "float32" => ScalarType.Float32,
            var other => throw new NotSupportedException($"turbo.pth stores {name} as {other}, a dtype this test does not map"),
        };
}
