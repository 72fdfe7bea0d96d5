namespace TurboDiffusion.Engine.Pipelines;

/// <summary>
/// Frame size and latent grid of a video. Sizes follow the TurboDiffusion resolution table; the VAE
/// compresses 8x in space and 4x in time (plus the first frame), and the DiT patch is (1, 2, 2).
/// </summary>
public sealed record VideoGeometry(int Width, int Height, int Frames)
{
    /// <summary>A frame side must be a multiple of 16: 8 for the VAE times 2 for the DiT patch.</summary>
    public const int SizeMultiple = 16;

    public int LatentFrames => FrameCountRule.LatentFrames(Frames);

    public int LatentHeight => Height / 8;

    public int LatentWidth => Width / 8;

    /// <summary>DiT tokens: latent frames x (H/16) x (W/16).</summary>
    public long Tokens => FrameSize.Tokens(Width, Height, Frames);

    /// <summary>Latent shape [1, 16, T, H/8, W/8].</summary>
    public long[] LatentShape(int channels = 16) => [1, channels, LatentFrames, LatentHeight, LatentWidth];

    /// <summary>The size for a resolution and aspect ratio (W x H): 480p 16:9 is 832x480, 720p 16:9 is 1280x720.</summary>
    public static VideoGeometry For(VideoResolution resolution, AspectRatio aspect, int frames)
    {
        ValidateFrames(frames);
        var (width, height) = FrameSize.Of(resolution, aspect);
        return new VideoGeometry(width, height, frames);
    }

    /// <summary>
    /// Image-to-video: keeps the pixel area of the resolution's 16:9 size and follows the image's aspect
    /// ratio, each side rounded down to a multiple of 16.
    /// </summary>
    public static VideoGeometry Adaptive(VideoResolution resolution, int imageWidth, int imageHeight, int frames)
    {
        ValidateFrames(frames);
        if (imageWidth <= 0 || imageHeight <= 0)
        {
            throw new ArgumentException($"Image size must be positive, got {imageWidth}x{imageHeight}.");
        }

        var reference = For(resolution, AspectRatio.Landscape16x9, frames);
        var area = (double)reference.Width * reference.Height;
        var height = Snap(Math.Sqrt(area * imageHeight / imageWidth));
        var width = Snap(Math.Sqrt(area * imageWidth / imageHeight));
        return new VideoGeometry(width, height, frames);
    }

    public static void ValidateFrames(int frames)
    {
        if (!FrameCountRule.IsValid(frames))
        {
            throw new ArgumentOutOfRangeException(nameof(frames), frames, $"Frame count must be 4k+1 (1, 5, ..., 77, 81), got {frames}.");
        }
    }

    private static int Snap(double side) => Math.Max(SizeMultiple, (int)Math.Floor(side / SizeMultiple) * SizeMultiple);
}
