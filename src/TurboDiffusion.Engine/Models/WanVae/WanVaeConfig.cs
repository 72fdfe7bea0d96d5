namespace TurboDiffusion.Engine.Models.WanVae;

/// <summary>
/// The shape of a Wan2.1 VAE (<c>WanVAE_</c>): base width, per-level width multipliers, residual blocks per
/// level, which encoder levels also halve time, and the latent channel statistics. Widths and frame counts
/// follow from these: video [B, 3, 1 + 4k, 8h, 8w] ↔ latent [B, ZDim, 1 + k, h, w] for the real model.
/// </summary>
/// <param name="Dim">Base channel width (96 for the real model).</param>
/// <param name="DimMult">Width multipliers per resolution level, encoder order.</param>
/// <param name="NumResBlocks">Residual blocks per encoder level; the decoder has one more per level.</param>
/// <param name="TemporalDownsample">Per encoder level transition, whether it halves time as well as space.</param>
public sealed record WanVaeConfig(
    string Name,
    int Dim,
    int ZDim,
    IReadOnlyList<int> DimMult,
    int NumResBlocks,
    IReadOnlyList<bool> TemporalDownsample,
    LatentNormalization Latents)
{
    /// <summary><c>Wan2.1_VAE.pth</c>, also used by Wan2.2 A14B: 126.9 M parameters, 194 tensors.</summary>
    public static WanVaeConfig Wan21 { get; } = new("Wan2.1 VAE", 96, 16, [1, 2, 4, 4], 2, [false, true, true], LatentNormalization.Wan21);

    /// <summary>The built-in demo VAE: the real architecture at base width 8, with the real latent statistics.</summary>
    public static WanVaeConfig Tiny { get; } = new("tiny Wan VAE", 8, 16, [1, 2, 4, 4], 2, [false, true, true], LatentNormalization.Wan21);

    /// <summary>Channels entering each encoder level, then leaving the last: [96, 96, 192, 384, 384] for the real model.</summary>
    public IReadOnlyList<int> EncoderDims => [Dim, .. DimMult.Select(m => m * Dim)];

    /// <summary>Channels of the decoder's middle, then leaving each level: [384, 384, 384, 192, 96] for the real model.</summary>
    public IReadOnlyList<int> DecoderDims => [DimMult[^1] * Dim, .. DimMult.Reverse().Select(m => m * Dim)];

    /// <summary>The decoder mirrors the encoder: its upsampling levels double time where the encoder halved it.</summary>
    public IReadOnlyList<bool> TemporalUpsample => [.. TemporalDownsample.Reverse()];

    /// <summary>Video frames per latent frame after the first (4 for the real model).</summary>
    public int TemporalStride => 1 << TemporalDownsample.Count(halves => halves);

    /// <summary>Video pixels per latent pixel along each side (8 for the real model).</summary>
    public int SpatialStride => 1 << TemporalDownsample.Count;

    /// <summary>Video frames for <paramref name="latentFrames"/> latent frames: the first maps to one, each later to <see cref="TemporalStride"/>.</summary>
    public int VideoFrames(int latentFrames) => 1 + (TemporalStride * (latentFrames - 1));

    /// <exception cref="ArgumentException">The configuration cannot describe a Wan VAE.</exception>
    public void Validate()
    {
        if (Dim <= 0 || ZDim <= 0 || NumResBlocks <= 0 || DimMult.Count < 2 || DimMult.Any(m => m <= 0))
        {
            throw new ArgumentException($"{Name}: Dim, ZDim, NumResBlocks and every DimMult entry must be positive, with at least two levels.");
        }

        if (TemporalDownsample.Count != DimMult.Count - 1)
        {
            throw new ArgumentException($"{Name}: TemporalDownsample needs one flag per level transition ({DimMult.Count - 1}), found {TemporalDownsample.Count}.");
        }

        if (Latents.Mean.Count != ZDim || Latents.Std.Count != ZDim)
        {
            throw new ArgumentException($"{Name}: the latent statistics need {ZDim} means and stds, found {Latents.Mean.Count} and {Latents.Std.Count}.");
        }
    }
}
