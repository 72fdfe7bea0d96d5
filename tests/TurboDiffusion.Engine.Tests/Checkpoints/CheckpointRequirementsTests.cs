using TurboDiffusion.Engine.Checkpoints;
using TurboDiffusion.Engine.Tests.Fixtures;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Tests.Checkpoints;

public sealed class CheckpointRequirementsTests
{
    private readonly GoldenFixture fixture = GoldenFixture.Open("dit_t2v_tiny");

    [Fact]
    public void A_tensor_of_the_expected_shape_and_dtype_is_loaded_as_asked()
    {
        using var checkpoint = WanCheckpoint.Open(fixture.PathOf("turbo.pth"));

        using var weight = checkpoint.Require("blocks.0.ffn.0.weight", [512, 256], ScalarType.BFloat16, ScalarType.Float32, CPU);

        Assert.Equal(ScalarType.Float32, weight.dtype);
        Assert.Equal(new long[] { 512, 256 }, weight.shape);
    }

    [Fact]
    public void A_wrong_shape_names_file_key_expected_and_found()
    {
        using var checkpoint = WanCheckpoint.Open(fixture.PathOf("turbo.pth"));

        var error = Assert.Throws<CheckpointException>(() => checkpoint.Require("blocks.0.ffn.0.weight", [8960, 1536]));

        Assert.Equal("blocks.0.ffn.0.weight", error.Key);
        Assert.Contains(fixture.PathOf("turbo.pth"), error.Message, StringComparison.Ordinal);
        Assert.Contains("expected [8960, 1536], found [512, 256] BFloat16", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_wrong_dtype_names_expected_and_found()
    {
        using var checkpoint = WanCheckpoint.Open(fixture.PathOf("turbo.pth"));

        var error = Assert.Throws<CheckpointException>(() => checkpoint.Require("blocks.0.norm3.weight", [256], ScalarType.BFloat16));

        Assert.Contains("expected [256] BFloat16, found [256] Float32", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_tensor_names_what_was_expected()
    {
        using var checkpoint = WanCheckpoint.Open(fixture.PathOf("turbo.pth"));

        var error = Assert.Throws<CheckpointException>(() => checkpoint.Require("blocks.2.ffn.0.weight", [512, 256], ScalarType.BFloat16));

        Assert.Equal("blocks.2.ffn.0.weight", error.Key);
        Assert.Contains(fixture.PathOf("turbo.pth"), error.Message, StringComparison.Ordinal);
        Assert.Contains("missing; expected [512, 256] BFloat16", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unexpected_keys_are_those_the_model_did_not_ask_for_in_checkpoint_order()
    {
        using var checkpoint = WanCheckpoint.Open(fixture.PathOf("turbo.pth"));
        var oneBlockModel = checkpoint.Names.Where(n => !n.StartsWith("blocks.1.", StringComparison.Ordinal) && n != "head.head.bias");

        var unexpected = checkpoint.UnexpectedKeys(oneBlockModel);

        Assert.Equal(checkpoint.Names.Where(n => n.StartsWith("blocks.1.", StringComparison.Ordinal)).Append("head.head.bias"), unexpected);
    }
}
