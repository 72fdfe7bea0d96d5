namespace TurboDiffusion.Engine.Media;

/// <summary>The encoder a video is written with, as <see cref="VideoEncoders.Choose(Mp4Options)"/> decided.</summary>
/// <param name="Name">For people and the video's sidecar, e.g. "ffmpeg (libx264)".</param>
/// <param name="ExecutablePath">The ffmpeg that runs; null for the built-in encoder.</param>
public sealed record VideoEncoderChoice(VideoEncoderKind Kind, string Name, string? ExecutablePath)
{
    public const string FfmpegName = "ffmpeg (libx264)";

    public const string NvencName = "ffmpeg (h264_nvenc)";

    public const string BuiltInName = "built-in (H.264 I_PCM, uncompressed)";

    public static VideoEncoderChoice BuiltIn { get; } = new(VideoEncoderKind.BuiltIn, BuiltInName, null);

    public static VideoEncoderChoice ForFfmpeg(string executablePath) => new(VideoEncoderKind.Ffmpeg, FfmpegName, executablePath);

    public static VideoEncoderChoice ForNvenc(string executablePath) => new(VideoEncoderKind.FfmpegNvenc, NvencName, executablePath);

    /// <summary>Whether ffmpeg runs it (libx264 or NVENC).</summary>
    public bool IsFfmpeg => Kind is VideoEncoderKind.Ffmpeg or VideoEncoderKind.FfmpegNvenc;
}
