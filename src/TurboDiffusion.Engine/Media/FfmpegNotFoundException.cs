namespace TurboDiffusion.Engine.Media;

/// <summary>ffmpeg (or ffprobe) is not installed where it was looked for. The message says how to install it.</summary>
public sealed class FfmpegNotFoundException(string problem)
    : Exception($"{problem} JPEG input and the ffmpeg video encoder need ffmpeg: {InstallHint}")
{
    public const string InstallHint =
        "install it (Debian/Ubuntu: apt-get install ffmpeg; Fedora: dnf install ffmpeg; macOS: brew install ffmpeg; Windows: winget install ffmpeg) or add its folder to PATH.";
}
