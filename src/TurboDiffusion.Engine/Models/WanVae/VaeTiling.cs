namespace TurboDiffusion.Engine.Models.WanVae;

/// <summary>
/// Spatial tiling of the decode, to bound memory at 720P. Sizes are in latent pixels (8 video pixels each). The
/// decoder's stem, which holds the per-frame attention, always sees whole frames; only the upsampling stack (all
/// local convolutions, where the memory goes) runs per tile. Each tile decodes its core widened by
/// <see cref="Halo"/> on every side that borders another tile, keeps the core, and is blended linearly over
/// <see cref="Blend"/> pixels into its neighbours. The upsampling stack sees about 14 latent pixels around each
/// output pixel, so a halo of <see cref="ExactHalo"/> reproduces the untiled decode up to rounding; a smaller halo
/// is faster and leaves seams that the blend softens.
/// </summary>
/// <param name="Tile">Core size of a tile (square), in latent pixels.</param>
/// <param name="Blend">Minimum overlap of neighbouring cores, blended linearly; less than <paramref name="Tile"/>.</param>
/// <param name="Halo">Extra context decoded around a core and then dropped.</param>
public sealed record VaeTiling(int Tile = 32, int Blend = 4, int Halo = VaeTiling.ExactHalo)
{
    /// <summary>A halo covering the upsampling stack's whole receptive field.</summary>
    public const int ExactHalo = 16;

    /// <summary>
    /// 32×32 latent cores (256×256 video pixels) with an exact halo: at 720P, 15 tiles whose activations and
    /// frame caches are about a fifth of an untiled decode's.
    /// </summary>
    public static VaeTiling Default { get; } = new();

    /// <exception cref="ArgumentException">A size is out of range.</exception>
    public void Validate()
    {
        if (Tile < 1 || Blend < 0 || Blend >= Tile || Halo < 0)
        {
            throw new ArgumentException($"Tiling needs Tile ≥ 1, 0 ≤ Blend < Tile and Halo ≥ 0 (latent pixels); got Tile {Tile}, Blend {Blend}, Halo {Halo}.");
        }
    }
}
