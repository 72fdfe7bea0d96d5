using TurboDiffusion.Engine.Models.WanVae;
using TurboDiffusion.Engine.Runtime;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Tests.Models.WanVae;

public sealed class TileLayoutTests
{
    public TileLayoutTests() => TorchRuntime.EnsureLoaded();

    [Theory]
    [InlineData(90, 2)]
    [InlineData(160, 4)]
    [InlineData(60, 2)]
    [InlineData(104, 3)]
    public void Cores_of_tile_size_cover_the_axis_overlapping_by_at_least_the_blend_with_clipped_halos(int length, int count)
    {
        var tiling = VaeTiling.Default;

        var spans = TileLayout.Axis(length, tiling);

        Assert.Equal(count, spans.Count);
        Assert.Equal(0, spans[0].CoreStart);
        Assert.Equal(length, spans[^1].CoreStart + spans[^1].CoreLength);
        Assert.All(spans, s => Assert.Equal(tiling.Tile, s.CoreLength));
        Assert.All(spans.Zip(spans.Skip(1)), pair => Assert.InRange(pair.First.CoreStart + tiling.Tile - pair.Second.CoreStart, tiling.Blend, tiling.Tile - 1));
        Assert.All(spans, s => Assert.Equal(Math.Max(0, s.CoreStart - tiling.Halo), s.InputStart));
        Assert.All(spans, s => Assert.Equal(Math.Min(length, s.CoreStart + tiling.Tile + tiling.Halo), s.InputStart + s.InputLength));
    }

    [Fact]
    public void An_axis_no_longer_than_a_tile_is_one_tile_without_halo()
    {
        Assert.Equal([new TileSpan(0, 30, 0, 30)], TileLayout.Axis(30, VaeTiling.Default));
    }

    [Fact]
    public void Neighbours_overlapping_by_exactly_the_blend_have_weights_summing_to_one_across_it()
    {
        using var scope = NewDisposeScope();
        var tiling = new VaeTiling(Tile: 6, Blend: 2, Halo: 0);
        var tiles = TileLayout.Plan(1, 10, tiling);

        var left = TileLayout.BlendWeights(tiles[0], 1, 10, 8, tiling, ScalarType.Float64, CPU);
        var right = TileLayout.BlendWeights(tiles[1], 1, 10, 8, tiling, ScalarType.Float64, CPU);

        Assert.Equal([0, 4], tiles.Select(t => t.Columns.CoreStart));
        var sum = left[0, 32..] + right[0, ..16];
        Assert.True(sum.allclose(ones([16], ScalarType.Float64)), $"{string.Join(", ", sum.data<double>().ToArray())}");
        Assert.Equal(1.0, left[0, ..32].min().item<double>());
        Assert.Equal(1.0, right[0, 16..].min().item<double>());
        Assert.True(right.min().item<double>() > 0);
    }

    [Theory]
    [InlineData(0, 0, 0)]
    [InlineData(4, 4, 0)]
    [InlineData(4, 1, -1)]
    public void Impossible_tilings_are_refused(int tile, int blend, int halo)
    {
        Assert.Throws<ArgumentException>(() => TileLayout.Plan(8, 8, new VaeTiling(tile, blend, halo)));
    }
}
