using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Models.WanVae;

/// <summary>One axis of a tile, in latent pixels: the core it contributes and the wider window it is decoded from.</summary>
internal readonly record struct TileSpan(int CoreStart, int CoreLength, int InputStart, int InputLength)
{
    /// <summary>Where the core starts inside the decoded window.</summary>
    public int CoreOffset => CoreStart - InputStart;
}

/// <summary>A tile of the latent frame: its rows and columns.</summary>
internal sealed record VaeTile(TileSpan Rows, TileSpan Columns);

/// <summary>Places tiles over a latent frame and weighs their overlaps (see <see cref="VaeTiling"/>).</summary>
internal static class TileLayout
{
    /// <summary>Tiles covering an h × w latent frame, row-major.</summary>
    public static IReadOnlyList<VaeTile> Plan(int height, int width, VaeTiling tiling)
    {
        tiling.Validate();
        var columns = Axis(width, tiling);
        return [.. Axis(height, tiling).SelectMany(rows => columns.Select(cols => new VaeTile(rows, cols)))];
    }

    /// <summary>Evenly spaced cores of <see cref="VaeTiling.Tile"/> pixels, neighbours overlapping by at least <see cref="VaeTiling.Blend"/>.</summary>
    public static IReadOnlyList<TileSpan> Axis(int length, VaeTiling tiling)
    {
        if (length <= tiling.Tile)
        {
            return [new TileSpan(0, length, 0, length)];
        }

        var count = (int)Math.Ceiling((double)(length - tiling.Blend) / (tiling.Tile - tiling.Blend));
        return [.. Enumerable.Range(0, count).Select(i =>
        {
            var start = (int)Math.Round((double)i * (length - tiling.Tile) / (count - 1));
            var inputStart = Math.Max(0, start - tiling.Halo);
            var inputEnd = Math.Min(length, start + tiling.Tile + tiling.Halo);
            return new TileSpan(start, tiling.Tile, inputStart, inputEnd - inputStart);
        })];
    }

    /// <summary>
    /// Blend weights [coreH·s, coreW·s] of a tile's core in video pixels (s = video pixels per latent pixel): 1 inside,
    /// ramping down to near 0 over Blend·s pixels at each edge shared with another tile, never reaching 0, so every
    /// pixel's weights have a positive sum to divide by.
    /// </summary>
    public static Tensor BlendWeights(VaeTile tile, int height, int width, int stride, VaeTiling tiling, ScalarType type, Device device)
    {
        using var scope = NewDisposeScope();
        var rows = Ramp(tile.Rows, height, stride, tiling.Blend);
        var columns = Ramp(tile.Columns, width, stride, tiling.Blend);
        var weights = tensor(rows, ScalarType.Float64).outer(tensor(columns, ScalarType.Float64));
        return weights.to(type, device).MoveToOuterDisposeScope();
    }

    private static double[] Ramp(TileSpan span, int length, int stride, int blend)
    {
        var pixels = span.CoreLength * stride;
        var ramp = blend * stride;
        var weights = new double[pixels];
        for (var j = 0; j < pixels; j++)
        {
            var rising = span.CoreStart > 0 && j < ramp ? (j + 0.5) / ramp : 1.0;
            var falling = span.CoreStart + span.CoreLength < length && pixels - 1 - j < ramp ? (pixels - j - 0.5) / ramp : 1.0;
            weights[j] = Math.Min(rising, falling);
        }

        return weights;
    }
}
