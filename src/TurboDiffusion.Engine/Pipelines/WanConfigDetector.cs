using TurboDiffusion.Engine.Checkpoints;
using TurboDiffusion.Engine.Models.Wan;

namespace TurboDiffusion.Engine.Pipelines;

/// <summary>Which Wan architecture a DiT checkpoint holds, read from its tensor shapes.</summary>
public static class WanConfigDetector
{
    private static readonly WanConfig[] Known =
    [
        WanConfig.Wan21T2V1Point3B, WanConfig.Wan21T2V14B, WanConfig.Wan22I2VA14BHighNoise, WanConfig.Tiny, WanConfig.TinyI2V,
    ];

    /// <exception cref="CheckpointException">No known architecture has these dimensions; names what was found.</exception>
    public static WanConfig Detect(ITensorReader checkpoint)
    {
        var patch = checkpoint.Info("patch_embedding.weight").Shape;
        var (dim, inDim) = (patch[0], patch[1]);
        var layers = checkpoint.Names.Count(n => n.StartsWith("blocks.", StringComparison.Ordinal) && n.EndsWith(".norm3.weight", StringComparison.Ordinal));
        return Known.FirstOrDefault(c => c.Dim == dim && c.InDim == inDim && c.NumLayers == layers)
            ?? throw new CheckpointException(checkpoint.Path, "patch_embedding.weight",
                $"a Wan DiT with dim {dim}, {inDim} input channels and {layers} blocks is not a supported architecture " +
                $"(supported: {string.Join(", ", Known.Select(c => $"{c.Name} dim {c.Dim}/in {c.InDim}/{c.NumLayers} blocks"))})");
    }
}
