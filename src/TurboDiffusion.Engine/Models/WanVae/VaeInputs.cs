using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Models.WanVae;

/// <summary>Shape checks on what callers hand the VAE, with messages that name expected and found.</summary>
internal static class VaeInputs
{
    /// <summary>latents must be [B, z, T ≥ 1, h, w].</summary>
    public static void CheckLatents(Tensor latents, WanVaeConfig config)
    {
        if (latents.dim() != 5 || latents.shape.Any(size => size == 0))
        {
            throw new ArgumentException($"Latents must be [B, {config.ZDim}, T, h, w] with no empty dimension; found {Show(latents.shape)}.", nameof(latents));
        }

        if (latents.shape[1] != config.ZDim)
        {
            throw new ArgumentException($"The {config.Name} expects {config.ZDim} latent channels, found {latents.shape[1]} (latents {Show(latents.shape)}).", nameof(latents));
        }
    }

    /// <summary>video must be [B, 3, 1 + 4k, H, W] with H and W multiples of 8.</summary>
    public static void CheckVideo(Tensor video, WanVaeConfig config)
    {
        if (video.dim() != 5 || video.shape[1] != 3)
        {
            throw new ArgumentException($"Video must be [B, 3, F, H, W] (RGB in [-1, 1]); found {Show(video.shape)}.", nameof(video));
        }

        CheckFrameCount(video.shape[2], config, nameof(video));
        CheckSize(video.shape[3], video.shape[4], config, nameof(video));
    }

    /// <summary>image must be [B, 3, H, W] with H and W multiples of 8.</summary>
    public static void CheckImage(Tensor image, WanVaeConfig config)
    {
        if (image.dim() != 4 || image.shape[1] != 3)
        {
            throw new ArgumentException($"The image must be [B, 3, H, W] (RGB in [-1, 1]); found {Show(image.shape)}.", nameof(image));
        }

        CheckSize(image.shape[2], image.shape[3], config, nameof(image));
    }

    public static void CheckFrameCount(long frames, WanVaeConfig config, string parameter)
    {
        var stride = config.TemporalStride;
        if (frames < 1 || (frames - 1) % stride != 0)
        {
            throw new ArgumentException($"The {config.Name} encodes 1 + {stride}k frames (e.g. {config.VideoFrames(21)}); found {frames}.", parameter);
        }
    }

    private static void CheckSize(long height, long width, WanVaeConfig config, string parameter)
    {
        var stride = config.SpatialStride;
        if (height <= 0 || width <= 0 || height % stride != 0 || width % stride != 0)
        {
            throw new ArgumentException($"Height and width must be positive multiples of {stride}; found {height}×{width}.", parameter);
        }
    }

    public static string Show(long[] shape) => $"[{string.Join(", ", shape)}]";
}
