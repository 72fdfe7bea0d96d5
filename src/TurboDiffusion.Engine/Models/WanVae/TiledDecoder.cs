using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Models.WanVae;

/// <summary>
/// Decodes with the upsampling stack run tile by tile (see <see cref="VaeTiling"/>). First the stem runs over every
/// latent frame of the whole frame, keeping its features [B, C, T, h, w] (small: latent resolution); then each
/// tile runs all its latent frames under its own <see cref="FrameCache"/>, freed before the next tile, and adds
/// its weighted core into the video. Peak memory is one tile's activations and cache plus the video itself.
/// </summary>
internal static class TiledDecoder
{
    /// <summary>latents [B, z, T, h, w], normalised → unclamped video [B, 3, 1 + 4(T − 1), 8h, 8w] in the full dtype.</summary>
    public static Tensor Decode(
        WanVaeModel model, VaePrecision precision, Device device, Tensor latents, VaeTiling tiling,
        IProgress<VaeProgress>? progress, CancellationToken cancellationToken)
    {
        using var scope = NewDisposeScope();
        var config = model.Config;
        var (frames, height, width, s) = ((int)latents.shape[2], (int)latents.shape[3], (int)latents.shape[4], config.SpatialStride);
        var tiles = TileLayout.Plan(height, width, tiling);
        var features = Stem(model, precision, device, latents, cancellationToken);
        var video = LatentFrames.VideoBuffer(config, latents.shape, precision, device);
        var weightSum = zeros([height * s, width * s], precision.FullType(), device);
        using var cache = new FrameCache();
        var done = 0;
        foreach (var tile in tiles)
        {
            using var tileScope = NewDisposeScope();
            var (rows, columns) = (tile.Rows, tile.Columns);
            var weights = TileLayout.BlendWeights(tile, height, width, s, tiling, precision.FullType(), device);
            for (var i = 0; i < frames; i++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                using (NewDisposeScope())
                {
                    var window = features.narrow(2, i, 1).narrow(3, rows.InputStart, rows.InputLength).narrow(4, columns.InputStart, columns.InputLength);
                    var decoded = model.DecodeUpsample(window, cache);
                    var core = decoded.narrow(3, rows.CoreOffset * s, rows.CoreLength * s).narrow(4, columns.CoreOffset * s, columns.CoreLength * s);
                    var (start, count) = LatentFrames.VideoFramesOf(config, i);
                    video.narrow(2, start, count)
                        .narrow(3, rows.CoreStart * s, rows.CoreLength * s)
                        .narrow(4, columns.CoreStart * s, columns.CoreLength * s)
                        .add_(core * weights);
                }

                cache.EndChunk();
                progress?.Report(new VaeProgress(++done, tiles.Count * frames));
            }

            weightSum.narrow(0, rows.CoreStart * s, rows.CoreLength * s).narrow(1, columns.CoreStart * s, columns.CoreLength * s).add_(weights);
            cache.Reset();
        }

        return video.div_(weightSum).MoveToOuterDisposeScope();
    }

    /// <summary>The decoder stem over every latent frame: [B, C, T, h, w] in the compute dtype.</summary>
    private static Tensor Stem(WanVaeModel model, VaePrecision precision, Device device, Tensor latents, CancellationToken cancellationToken)
    {
        using var scope = NewDisposeScope();
        using var cache = new FrameCache();
        var features = new List<Tensor>();
        for (var i = 0; i < latents.shape[2]; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            using (NewDisposeScope())
            {
                var z = LatentFrames.Unnormalized(model.Config, latents, i, precision, device);
                features.Add(model.DecodeStem(z, cache).MoveToOuterDisposeScope());
            }

            cache.EndChunk();
        }

        return cat(features, 2).MoveToOuterDisposeScope();
    }
}
