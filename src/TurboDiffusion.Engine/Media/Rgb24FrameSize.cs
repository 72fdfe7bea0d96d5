namespace TurboDiffusion.Engine.Media;

/// <summary>The frame sizes every <see cref="IMp4Writer"/> accepts, checked with the same messages.</summary>
/// <remarks>
/// Width and height must be even, because 4:2:0 keeps one chroma sample per 2x2 block. Every Wan size is a multiple
/// of 16, so an odd size means a bug upstream; padding it would hide the bug and make the video disagree with the
/// size its sidecar records.
/// </remarks>
internal static class Rgb24FrameSize
{
    /// <exception cref="ArgumentException">A size that is not positive and even, or a frame too large for one buffer.</exception>
    public static void Validate(int width, int height)
    {
        if (width <= 0 || height <= 0 || width % 2 != 0 || height % 2 != 0)
        {
            throw new ArgumentException($"An H.264 yuv420p video needs a positive, even width and height; got {width}x{height}. Crop or pad the frames to even sizes.");
        }

        if ((long)width * height * 3 > Array.MaxLength)
        {
            throw new ArgumentException($"A frame of {width}x{height} does not fit in one buffer.");
        }
    }

    /// <exception cref="ArgumentException"><paramref name="found"/> is not <c>width * height * 3</c> bytes.</exception>
    public static void EnsureFrameLength(int found, int width, int height, string parameter)
    {
        var expected = width * height * 3;
        if (found != expected)
        {
            throw new ArgumentException($"A frame of {width}x{height} RGB24 is {expected} bytes (H x W x 3); found {found} bytes.", parameter);
        }
    }
}
