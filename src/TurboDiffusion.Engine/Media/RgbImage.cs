namespace TurboDiffusion.Engine.Media;

/// <summary>An 8-bit RGB image: <see cref="Pixels"/> is <c>[H, W, 3]</c>, row-major, the layout frames are written in.</summary>
public sealed class RgbImage
{
    public RgbImage(int width, int height, byte[] pixels)
    {
        ArgumentNullException.ThrowIfNull(pixels);
        if (width <= 0 || height <= 0)
        {
            throw new ArgumentException($"An image needs a positive width and height; got {width}x{height}.");
        }

        if (pixels.LongLength != (long)width * height * 3)
        {
            throw new ArgumentException($"An RGB image of {width}x{height} is {(long)width * height * 3} bytes (H x W x 3); found {pixels.LongLength} bytes.", nameof(pixels));
        }

        Width = width;
        Height = height;
        Pixels = pixels;
    }

    public int Width { get; }

    public int Height { get; }

    public byte[] Pixels { get; }
}
