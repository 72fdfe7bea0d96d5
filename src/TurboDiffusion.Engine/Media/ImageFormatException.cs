namespace TurboDiffusion.Engine.Media;

/// <summary>An image file is not an image we read, or is damaged. The message names the file and what is wrong.</summary>
public sealed class ImageFormatException(string file, string problem, Exception? inner = null)
    : Exception($"{file}: {problem}", inner)
{
    public string FilePath { get; } = file;
}
