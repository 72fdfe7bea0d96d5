namespace TurboDiffusion.Engine.Tests.Media;

/// <summary>Synthetic RGB24 frames, <c>[H, W, 3]</c> bytes.</summary>
internal static class TestFrames
{
    /// <summary>A diagonal gradient that moves right by 4 pixels a frame, so every frame differs.</summary>
    public static byte[] MovingGradient(int width, int height, int frame)
    {
        var rgb = new byte[width * height * 3];
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                var i = ((y * width) + x) * 3;
                rgb[i] = (byte)((x + (4 * frame)) * 255 / (width + 64));
                rgb[i + 1] = (byte)(y * 255 / height);
                rgb[i + 2] = (byte)(255 - rgb[i]);
            }
        }

        return rgb;
    }

    /// <summary>
    /// Saturated reds, greens and blues changing by at most one level a pixel, so 4:2:0 loses little of them
    /// while a wrong conversion matrix shows (BT.709 and BT.601 differ most on saturated colours).
    /// </summary>
    public static byte[] SmoothColours(int width, int height, int frame)
    {
        var step = Math.Min(1.0, 128.0 / Math.Max(width, height));
        var rgb = new byte[width * height * 3];
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                var i = ((y * width) + x) * 3;
                rgb[i] = (byte)(192 - (int)(x * step));
                rgb[i + 1] = (byte)(64 + (int)(y * step) + frame);
                rgb[i + 2] = (byte)(64 + (int)((x + y) * step / 2));
            }
        }

        return rgb;
    }

    public static byte[] Random(int width, int height, int seed)
    {
        var rgb = new byte[width * height * 3];
        new Random(seed).NextBytes(rgb);
        return rgb;
    }
}
