namespace TurboDiffusion.Engine.Media;

/// <summary>
/// Writes frames as <c>frame_0000.png</c>, <c>frame_0001.png</c>, ... into a folder as they are
/// decoded; each file appears whole or not at all.
/// </summary>
public sealed class PngFrameWriter
{
    public PngFrameWriter(string directory, int width, int height)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        if (width <= 0 || height <= 0)
        {
            throw new ArgumentException($"Frames need a positive width and height; got {width}x{height}.");
        }

        Directory = System.IO.Directory.CreateDirectory(directory).FullName;
        Width = width;
        Height = height;
    }

    public string Directory { get; }

    public int Width { get; }

    public int Height { get; }

    public int FramesWritten { get; private set; }

    /// <summary>The file name of frame <paramref name="index"/> (from 0).</summary>
    public static string FileName(int index) => $"frame_{index:D4}.png";

    /// <param name="rgb"><c>[H, W, 3]</c> bytes.</param>
    /// <returns>The path of the file written.</returns>
    /// <exception cref="ArgumentException">The frame is not <c>Width * Height * 3</c> bytes.</exception>
    public string WriteFrame(ReadOnlySpan<byte> rgb)
    {
        var path = Path.Combine(Directory, FileName(FramesWritten));
        PngEncoder.Write(path, Width, Height, rgb);
        FramesWritten++;
        return path;
    }
}
