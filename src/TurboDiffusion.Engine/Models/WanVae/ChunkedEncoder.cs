using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Models.WanVae;

/// <summary>
/// Encodes a video chunk by chunk under one <see cref="FrameCache"/>: the first frame alone, then 4 frames at a
/// time, each chunk giving one latent frame. Only the mean is kept (the reference's encode ignores the variance).
/// </summary>
internal static class ChunkedEncoder
{
    /// <param name="chunk">Video chunk c [B, 3, n, H, W] (n = 1 for c = 0, else 4), any float dtype and device.</param>
    /// <returns>Normalised latents (mu − mean) / std [B, z, chunks, H/8, W/8] in the full dtype.</returns>
    public static Tensor Encode(
        WanVaeModel model, VaePrecision precision, Device device, long batch, long height, long width, int chunks,
        Func<int, Tensor> chunk, IProgress<VaeProgress>? progress, CancellationToken cancellationToken)
    {
        using var scope = NewDisposeScope();
        var config = model.Config;
        var s = config.SpatialStride;
        var latents = zeros([batch, config.ZDim, chunks, height / s, width / s], precision.FullType(), device);
        using var cache = new FrameCache();
        for (var c = 0; c < chunks; c++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            using (NewDisposeScope())
            {
                var mu = model.EncodeChunk(chunk(c).to(precision.ComputeType(), device), cache);
                latents.narrow(2, c, 1).copy_(config.Latents.Normalize(mu.to(precision.FullType())));
            }

            cache.EndChunk();
            progress?.Report(new VaeProgress(c + 1, chunks));
        }

        return latents.MoveToOuterDisposeScope();
    }
}
