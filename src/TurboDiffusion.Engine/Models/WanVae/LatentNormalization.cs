using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Models.WanVae;

/// <summary>
/// Per-channel statistics of the VAE latent: the DiT works on <c>z = (mu − mean) / std</c>, and decoding
/// starts from <c>z · std + mean</c>.
/// </summary>
public sealed record LatentNormalization(IReadOnlyList<double> Mean, IReadOnlyList<double> Std)
{
    /// <summary>The Wan2.1 VAE's 16 channel means and standard deviations (also those of the vae_tiny fixture).</summary>
    public static LatentNormalization Wan21 { get; } = new(
        [
            -0.7571, -0.7089, -0.9113, 0.1075, -0.1745, 0.9653, -0.1517, 1.5508,
            0.4134, -0.0715, 0.5517, -0.3632, -0.1922, -0.9497, 0.2503, -0.2921,
        ],
        [
            2.8184, 1.4541, 2.3275, 2.6558, 1.2196, 1.7708, 2.6052, 2.0743,
            3.2687, 2.1526, 2.8652, 1.5579, 1.6382, 1.1253, 2.8251, 1.9160,
        ]);

    /// <summary>mu [B, C, T, H, W] → (mu − mean) / std, in mu's dtype.</summary>
    public Tensor Normalize(Tensor mu)
    {
        using var scope = NewDisposeScope();
        return ((mu - Channels(Mean, mu)) / Channels(Std, mu)).MoveToOuterDisposeScope();
    }

    /// <summary>z [B, C, T, H, W] → z · std + mean, in z's dtype.</summary>
    public Tensor Denormalize(Tensor z)
    {
        using var scope = NewDisposeScope();
        return ((z * Channels(Std, z)) + Channels(Mean, z)).MoveToOuterDisposeScope();
    }

    private static Tensor Channels(IReadOnlyList<double> values, Tensor like) =>
        tensor(values.ToArray(), ScalarType.Float64).to(like.dtype, like.device).view(1, values.Count, 1, 1, 1);
}
