using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Models.WanVae;

/// <summary>
/// Decodes one latent frame at a time through the whole decoder under one <see cref="FrameCache"/>, so memory
/// holds a chunk's activations and the cache, never the whole video's activations.
/// </summary>
internal static class FrameDecoder
{
    /// <summary>latents [B, z, T, h, w], normalised → unclamped video [B, 3, 1 + 4(T − 1), 8h, 8w] in the full dtype.</summary>
    public static Tensor Decode(WanVaeModel model, VaePrecision precision, Device device, Tensor latents, IProgress<VaeProgress>? progress, CancellationToken cancellationToken)
    {
        using var scope = NewDisposeScope();
        var frames = (int)latents.shape[2];
        var video = LatentFrames.VideoBuffer(model.Config, latents.shape, precision, device);
        using var cache = new FrameCache();
        for (var i = 0; i < frames; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            using (NewDisposeScope())
            {
                var z = LatentFrames.Unnormalized(model.Config, latents, i, precision, device);
                var decoded = model.DecodeUpsample(model.DecodeStem(z, cache), cache);
                var (start, count) = LatentFrames.VideoFramesOf(model.Config, i);
                video.narrow(2, start, count).copy_(decoded);
            }

            cache.EndChunk();
            progress?.Report(new VaeProgress(i + 1, frames));
        }

        return video.MoveToOuterDisposeScope();
    }
}
