using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Models.WanVae;

/// <summary>
/// Decodes one latent frame at a time through the whole decoder under one <see cref="FrameCache"/>, so memory
/// holds a chunk's activations and the cache, never the whole video's activations; <see cref="Stream"/> does not
/// hold the video either, and hands each chunk's frames on as they are decoded.
/// </summary>
internal static class FrameDecoder
{
    /// <summary>latents [B, z, T, h, w], normalised → unclamped video [B, 3, 1 + 4(T − 1), 8h, 8w] in the full dtype.</summary>
    public static Tensor Decode(WanVaeModel model, VaePrecision precision, Device device, Tensor latents, IProgress<VaeProgress>? progress, CancellationToken cancellationToken)
    {
        using var scope = NewDisposeScope();
        var video = LatentFrames.VideoBuffer(model.Config, latents.shape, precision, device);
        var next = 0L;
        Stream(model, precision, device, latents, frames =>
        {
            video.narrow(2, next, frames.shape[2]).copy_(frames);
            next += frames.shape[2];
        }, progress, cancellationToken);
        return video.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// As <see cref="Decode"/>, without the whole video: each latent frame's unclamped video frames [B, 3, n, 8h, 8w]
    /// (1 for the first, then 4) go to <paramref name="frames"/> in order, in the compute dtype, valid during the call.
    /// </summary>
    public static void Stream(
        WanVaeModel model, VaePrecision precision, Device device, Tensor latents, Action<Tensor> frames, IProgress<VaeProgress>? progress,
        CancellationToken cancellationToken)
    {
        var count = (int)latents.shape[2];
        using var cache = new FrameCache();
        for (var i = 0; i < count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            using (NewDisposeScope())
            {
                var z = LatentFrames.Unnormalized(model.Config, latents, i, precision, device);
                frames(model.DecodeUpsample(model.DecodeStem(z, cache), cache));
            }

            cache.EndChunk();
            progress?.Report(new VaeProgress(i + 1, count));
        }
    }
}
