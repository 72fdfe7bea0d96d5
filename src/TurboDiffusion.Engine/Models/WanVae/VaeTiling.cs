namespace TurboDiffusion.Engine.Models.WanVae;

/// <summary>
/// Spatial tiling of the decode, to bound memory at 720P. Sizes are in latent pixels (8 video pixels each). The
/// decoder's stem, which holds the per-frame attention, always sees whole frames; only the upsampling stack (all
/// local convolutions, where the memory goes) runs per tile. Each tile decodes its core widened by
/// <see cref="Halo"/> on every side that borders another tile, keeps the core, and is blended linearly over
/// <see cref="Blend"/> pixels into its neighbours. An output pixel of the upsampling stack depends on latent
/// features up to 13 latent pixels away (its 3×3 convs, counted back through each ×2 upsampling), so a halo of
/// <see cref="ExactHalo"/> reproduces the untiled decode up to the blend's rounding; a smaller halo is faster and
/// leaves seams that the blend softens (on random latents through the tiny test model, unblended: up to 1e-4 at
/// halo 8, 2.5 at halo 0).
/// </summary>
/// <param name="Tile">Core size of a tile (square), in latent pixels.</param>
/// <param name="Blend">Minimum overlap of neighbouring cores, blended linearly; less than <paramref name="Tile"/>.</param>
/// <param name="Halo">Extra context decoded around a core and then dropped.</param>
public sealed record VaeTiling(int Tile = 48, int Blend = 4, int Halo = VaeTiling.ExactHalo)
{
    /// <summary>A halo covering the upsampling stack's whole receptive field.</summary>
    public const int ExactHalo = 13;

    /// <summary>
    /// 48×48 latent cores (384×384 video pixels) with an exact halo. At 720P (a 90×160 latent) that is 2×4 tiles,
    /// each decoded from at most a 61×74 latent window: activations and frame caches about a third of an untiled
    /// decode's, for 2.3 times its upsampling work. Estimated for 81 frames in bf16: a tile's frame caches 1.3 GB and
    /// chunk activations about 2 GB, beside the fp32 video (0.9 GB), stem features (0.2 GB) and weights (0.25 GB), so
    /// about 5 GB in all, well inside a 24 GB card; the GPU suite measures it.
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
