using TurboDiffusion.Engine.Models.Int8;
using TurboDiffusion.Engine.Tests.Fixtures;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Tests.Models.Int8;

public sealed class BlockwiseInt8Tests
{
    private const string QuantizationTolerance = "w_int8/x_int8/scales";

    private readonly Int8LinearFixture fixture = Int8LinearFixture.Open();

    [Theory]
    [InlineData("w_bf16", "w_int8", "w_scale")]
    [InlineData("x_bf16", "x_int8", "x_scale")]
    public void Quantizes_the_fixture_matrices_as_the_official_kernel_did(string input, string values, string scales)
    {
        using var scope = NewDisposeScope();

        var (actual, scale) = BlockwiseInt8.Quantize(fixture.Load(input));

        fixture.AssertExact(QuantizationTolerance, actual, fixture.Load(values));
        fixture.AssertExact(QuantizationTolerance, scale, fixture.Load(scales));
    }

    [Fact]
    public void Partial_edge_tiles_take_amax_over_their_valid_rows_only()
    {
        using var scope = NewDisposeScope();
        var tile = fixture.Manifest.QuantizationTile();
        // w's rows (N) cut mid-tile, so its last tile has half its rows and a smaller amax than the full tile.
        var weight = fixture.Load("w_bf16");
        var rows = weight.shape[0] - (tile / 2);
        var cut = weight.narrow(0, 0, rows);
        var (expected, expectedScale) = KernelReciprocals.Open().Quantize(cut.to(ScalarType.Float32));

        var (actual, scale) = BlockwiseInt8.Quantize(cut);

        TensorAssert.Identical(actual, expected, "int8 of w cut to " + rows + " rows");
        TensorAssert.Identical(scale, expectedScale, "scales of w cut to " + rows + " rows");
        Assert.NotEqual(fixture.Load("w_scale")[-1].to(ScalarType.Float32), scale[-1]);
    }

    [Fact]
    public void An_all_zero_tile_has_amax_1e_8_and_zero_values()
    {
        using var scope = NewDisposeScope();
        var tile = fixture.Manifest.QuantizationTile();
        var x = fixture.Load("x_bf16").clone();
        // The last row tile of x is partial (M is not a multiple of the tile), so this zeroes a partial tile.
        var lastRows = x.shape[0] - ((x.shape[0] - 1) / tile * tile);
        x.narrow(0, x.shape[0] - lastRows, lastRows).narrow(1, 0, tile).zero_();
        var (expected, expectedScale) = KernelReciprocals.Open().Quantize(x.to(ScalarType.Float32));

        var (actual, scale) = BlockwiseInt8.Quantize(x);

        TensorAssert.Identical(actual, expected, "int8 of x with a zero tile");
        TensorAssert.Identical(scale, expectedScale, "scales of x with a zero tile");
        Assert.Equal(BlockwiseInt8.EmptyTileAmax / KernelReciprocal.Numerator, scale[-1, 0].item<float>());
        Assert.Equal(0, actual.narrow(0, x.shape[0] - lastRows, lastRows).narrow(1, 0, tile).abs().sum().item<long>());
    }

    [Fact]
    public void Rejects_anything_but_a_bf16_matrix()
    {
        using var scope = NewDisposeScope();
        var x = fixture.Load("x_bf16");

        Assert.Throws<ArgumentException>(() => BlockwiseInt8.Quantize(x.to(ScalarType.Float32)));
        Assert.Throws<ArgumentException>(() => BlockwiseInt8.Quantize(x.unsqueeze(0)));
    }
}
