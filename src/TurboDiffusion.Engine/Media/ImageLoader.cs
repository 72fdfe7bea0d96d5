namespace TurboDiffusion.Engine.Media;

/// <summary>
/// Loads a user's first frame for image-to-video as RGB. The format is told by the file's first
/// bytes, not its name: PNG is decoded here, JPEG through ffmpeg.
/// </summary>
public static class ImageLoader
{
    /// <exception cref="FileNotFoundException">There is no file at <paramref name="path"/>.</exception>
    /// <exception cref="ImageFormatException">Not a PNG or JPEG, or damaged; the message names the file.</exception>
    /// <exception cref="NotSupportedException">A 16-bit or interlaced PNG.</exception>
    /// <exception cref="FfmpegNotFoundException">A JPEG, and ffmpeg is not installed.</exception>
    public static RgbImage Load(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"The image {path} does not exist.", path);
        }

        var start = FirstBytes(path, PngFormat.Signature.Length);
        if (start.AsSpan().StartsWith(PngFormat.Signature))
        {
            return PngDecoder.Read(path);
        }

        if (start is [0xFF, 0xD8, 0xFF, ..])
        {
            return FfmpegImageDecoder.DecodeJpeg(path);
        }

        var shown = start.Length == 0 ? "it is empty" : $"it starts with bytes {Convert.ToHexString(start)}";
        throw new ImageFormatException(path, $"not a PNG or JPEG image ({shown}); pass a .png or .jpg file.");
    }

    private static byte[] FirstBytes(string path, int count)
    {
        using var file = File.OpenRead(path);
        var bytes = new byte[count];
        return bytes[..file.ReadAtLeast(bytes, count, throwOnEndOfStream: false)];
    }
}
