using TurboDiffusion.Engine.Models.Int8;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Tests.Models.Int8;

public sealed class Int8LinearTests
{
    private const string Layer = "blocks.0.ffn.0";

    private readonly Int8LinearFixture fixture = Int8LinearFixture.Open();

    [Fact]
    public void Forward_returns_the_official_Int8Linear_output_bit_for_bit()
    {
        using var scope = NewDisposeScope();
        var linear = Int8Linear.Quantize(Layer, fixture.Load("w_bf16"), fixture.Load("bias_bf16"));

        var output = linear.Forward(fixture.Load("x_bf16"));

        fixture.AssertExact("y_gemm_bf16 / out_bf16", output, fixture.Load("out_bf16"));
    }

    [Fact]
    public void Leading_dimensions_are_kept_and_do_not_change_the_values()
    {
        using var scope = NewDisposeScope();
        var linear = Int8Linear.Quantize(Layer, fixture.Load("w_bf16"), fixture.Load("bias_bf16"));
        var x = fixture.Load("x_bf16");
        var expected = fixture.Load("out_bf16");

        var output = linear.Forward(x.view(2, -1, x.shape[1]));

        Assert.Equal([2, x.shape[0] / 2, expected.shape[1]], output.shape);
        fixture.AssertExact("y_gemm_bf16 / out_bf16", output.view(expected.shape), expected);
    }

    [Fact]
    public void In_features_not_a_multiple_of_the_tile_are_rejected_naming_the_layer()
    {
        using var scope = NewDisposeScope();
        var tile = fixture.Manifest.QuantizationTile();
        var weight = fixture.Load("w_bf16");
        var cut = weight.narrow(1, 0, weight.shape[1] - (tile / 2)).contiguous();

        var error = Assert.Throws<ArgumentException>(() => Int8Linear.Quantize(Layer, cut, null));

        Assert.Contains(Layer, error.Message, StringComparison.Ordinal);
        Assert.Contains($"{cut.shape[1]}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Input_of_another_width_is_rejected_naming_the_layer()
    {
        using var scope = NewDisposeScope();
        var tile = fixture.Manifest.QuantizationTile();
        var linear = Int8Linear.Quantize(Layer, fixture.Load("w_bf16"), fixture.Load("bias_bf16"));
        var x = fixture.Load("x_bf16");

        var error = Assert.Throws<ArgumentException>(() => linear.Forward(x.narrow(1, 0, x.shape[1] - tile)));

        Assert.Contains(Layer, error.Message, StringComparison.Ordinal);
    }
}
