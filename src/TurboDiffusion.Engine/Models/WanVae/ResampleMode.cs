namespace TurboDiffusion.Engine.Models.WanVae;

/// <summary>How a <see cref="Resample"/> layer changes resolution between two levels.</summary>
internal enum ResampleMode
{
    /// <summary>Decoder: doubles H and W, halves the channels.</summary>
    Upsample2d,

    /// <summary>Decoder: also doubles time, except for the first latent frame (T latent frames → 1 + 2(T − 1)).</summary>
    Upsample3d,

    /// <summary>Encoder: halves H and W.</summary>
    Downsample2d,

    /// <summary>Encoder: also halves time, except for the first frame (1 + 2k frames → 1 + k).</summary>
    Downsample3d,
}
