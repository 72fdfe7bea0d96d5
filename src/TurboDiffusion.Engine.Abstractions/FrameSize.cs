namespace TurboDiffusion.Engine;

/// <summary>
/// Frame sizes of the TurboDiffusion resolution table and the DiT tokens they make, without torch: the engine sizes its
/// latents from them and the farm estimates a job's cost from them. The VAE compresses 8x in space and 4x in time (plus
/// the first frame), and the DiT patch is (1, 2, 2).
/// </summary>
public static class FrameSize
{
    /// <summary>The size for a resolution and aspect ratio (W x H): 480p 16:9 is 832x480, 720p 16:9 is 1280x720.</summary>
    public static (int Width, int Height) Of(VideoResolution resolution, AspectRatio aspect) => (resolution, aspect) switch
    {
        (VideoResolution.P144, AspectRatio.Landscape16x9) => (256, 144),
        (VideoResolution.P144, AspectRatio.Portrait9x16) => (144, 256),
        (VideoResolution.P144, AspectRatio.Square1x1) => (192, 192),
        (VideoResolution.P144, AspectRatio.Landscape4x3) => (192, 144),
        (VideoResolution.P144, AspectRatio.Portrait3x4) => (144, 192),
        (VideoResolution.P480, AspectRatio.Landscape16x9) => (832, 480),
        (VideoResolution.P480, AspectRatio.Portrait9x16) => (480, 832),
        (VideoResolution.P480, AspectRatio.Square1x1) => (640, 640),
        (VideoResolution.P480, AspectRatio.Landscape4x3) => (640, 480),
        (VideoResolution.P480, AspectRatio.Portrait3x4) => (480, 640),
        (VideoResolution.P720, AspectRatio.Landscape16x9) => (1280, 720),
        (VideoResolution.P720, AspectRatio.Portrait9x16) => (720, 1280),
        (VideoResolution.P720, AspectRatio.Square1x1) => (960, 960),
        (VideoResolution.P720, AspectRatio.Landscape4x3) => (960, 720),
        (VideoResolution.P720, AspectRatio.Portrait3x4) => (720, 960),
        _ => throw new ArgumentOutOfRangeException(nameof(resolution), $"Unknown resolution/aspect ratio {resolution}/{aspect}."),
    };

    /// <summary>DiT tokens of a frame size: latent frames x (H/16) x (W/16); 832x480x81 is 32,760, 1280x720x81 is 75,600.</summary>
    public static long Tokens(int width, int height, int frames) => (long)FrameCountRule.LatentFrames(frames) * (height / 16) * (width / 16);
}
