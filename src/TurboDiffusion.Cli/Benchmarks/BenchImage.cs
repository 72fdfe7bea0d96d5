using TurboDiffusion.Engine.Media;
using TurboDiffusion.Engine.Models.Wan;
using TurboDiffusion.Engine.Planning;

namespace TurboDiffusion.Cli.Benchmarks;

/// <summary>The first frame a benchmark gives a model that only renders from an image (Wan2.2 I2V-A14B): a smooth synthetic 1280x720 picture.</summary>
public static class BenchImage
{
    private const int Width = 1280;
    private const int Height = 720;

    /// <summary>Writes the picture into <paramref name="folder"/> and returns its path when <paramref name="model"/> needs an image; null otherwise.</summary>
    public static string? IfNeeded(string model, string folder)
    {
        if (ModelFootprint.For(model).Dit.Task != WanTask.ImageToVideo)
        {
            return null;
        }

        var rgb = new byte[Width * Height * 3];
        for (var y = 0; y < Height; y++)
        {
            for (var x = 0; x < Width; x++)
            {
                var pixel = ((y * Width) + x) * 3;
                rgb[pixel] = (byte)(255 * x / (Width - 1));
                rgb[pixel + 1] = (byte)(255 * y / (Height - 1));
                rgb[pixel + 2] = (byte)(128 + (127 * Math.Sin((x + y) / 40.0)));
            }
        }

        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, "bench-first-frame.png");
        PngEncoder.Write(path, Width, Height, rgb);
        return path;
    }
}
