using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Models.WanVae;

/// <summary>What both decoders do per latent frame: pick it, unnormalise it, and place its video frames.</summary>
internal static class LatentFrames
{
    /// <summary>Latent frame <paramref name="index"/> of normalised latents → z · std + mean [B, z, 1, h, w], computed in the full dtype, returned in the compute dtype.</summary>
    public static Tensor Unnormalized(WanVaeConfig config, Tensor latents, int index, VaePrecision precision, Device device)
    {
        using var scope = NewDisposeScope();
        var z = latents.narrow(2, index, 1).to(precision.FullType(), device);
        return config.Latents.Denormalize(z).to(precision.ComputeType()).MoveToOuterDisposeScope();
    }

    /// <summary>The video frames latent frame <paramref name="index"/> decodes to: frame 0 alone, then 4 per latent frame.</summary>
    public static (long Start, long Count) VideoFramesOf(WanVaeConfig config, int index) =>
        index == 0 ? (0, 1) : (config.VideoFrames(index), config.TemporalStride);

    /// <summary>A zeroed video [B, 3, 1 + 4(T − 1), 8h, 8w] in the full dtype for latents [B, z, T, h, w].</summary>
    public static Tensor VideoBuffer(WanVaeConfig config, long[] latentShape, VaePrecision precision, Device device)
    {
        var s = config.SpatialStride;
        return zeros([latentShape[0], 3, config.VideoFrames((int)latentShape[2]), latentShape[3] * s, latentShape[4] * s], precision.FullType(), device);
    }
}
