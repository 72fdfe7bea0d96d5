namespace TurboDiffusion.Engine.Models.WanVae;

/// <summary>
/// Reported after each unit of VAE work: a latent frame when decoding (of one tile, when tiled: Total = tiles ×
/// latent frames), a chunk when encoding.
/// </summary>
public readonly record struct VaeProgress(int Done, int Total);
