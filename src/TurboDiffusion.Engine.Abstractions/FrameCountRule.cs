namespace TurboDiffusion.Engine;

/// <summary>
/// Frame counts a render can have: 4k+1 (1, 5, ..., 77, 81), because the VAE keeps the first frame and compresses the
/// rest 4x in time. The engine renders every such count; the farm admits a range of them.
/// </summary>
public static class FrameCountRule
{
    /// <summary>The VAE's compression in time: one latent frame per this many video frames after the first.</summary>
    public const int Stride = 4;

    public static bool IsValid(int frames) => frames >= 1 && (frames - 1) % Stride == 0;

    /// <summary>The latent frames of a valid frame count: the first frame, then one per <see cref="Stride"/>.</summary>
    public static int LatentFrames(int frames) => ((frames - 1) / Stride) + 1;
}
