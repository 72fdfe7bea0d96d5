namespace TurboDiffusion.Engine.Media;

/// <summary>
/// The one place that decides how videos are encoded: ffmpeg (libx264) where it is installed, else the built-in
/// uncompressed H.264 writer, as <see cref="Mp4Options.Encoder"/> asks.
/// </summary>
public static class VideoEncoders
{
    /// <summary>How to get the ffmpeg encoder and its far smaller files, for people told that the built-in one runs.</summary>
    public const string InstallHint =
        "install ffmpeg for far smaller files (Debian/Ubuntu: sudo apt-get install ffmpeg; Fedora: sudo dnf install ffmpeg; macOS: brew install ffmpeg; Windows: winget install ffmpeg) or add its folder to PATH";

    // NVENC refuses frames much smaller than this; the software encoders take any even size.
    private const int SelfTestWidth = 256;
    private const int SelfTestHeight = 144;
    private const int SelfTestFrames = 2;

    /// <summary>The encoder <paramref name="options"/> asks for. With <see cref="VideoEncoderPreference.Auto"/> this never
    /// throws: an ffmpeg that is missing (or cannot run) means the built-in encoder.</summary>
    /// <exception cref="FfmpegNotFoundException"><see cref="VideoEncoderPreference.Ffmpeg"/> and there is no ffmpeg.</exception>
    /// <exception cref="ArgumentException">The preference is not one of <see cref="VideoEncoderPreference"/>.</exception>
    public static VideoEncoderChoice Choose(Mp4Options options) => Choose(options, Environment.GetEnvironmentVariable("PATH") ?? "");

    internal static VideoEncoderChoice Choose(Mp4Options options, string searchPath)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.Encoder switch
        {
            VideoEncoderPreference.Auto => FindFfmpeg(options.FfmpegPath, searchPath) is { } ffmpeg ? Fastest(ffmpeg) : VideoEncoderChoice.BuiltIn,
            VideoEncoderPreference.Ffmpeg => Fastest(FfmpegLocator.Require(options.FfmpegPath, searchPath)),
            VideoEncoderPreference.Software => VideoEncoderChoice.ForFfmpeg(FfmpegLocator.Require(options.FfmpegPath, searchPath)),
            VideoEncoderPreference.BuiltIn => VideoEncoderChoice.BuiltIn,
            _ => throw new ArgumentException($"Mp4Options.Encoder {(int)options.Encoder} is not a video encoder preference.", nameof(options)),
        };
    }

    /// <summary>Starts a writer with the encoder that <see cref="Choose(Mp4Options)"/> picks for <paramref name="options"/>.</summary>
    /// <exception cref="ArgumentException">A size that is not positive and even, or invalid options.</exception>
    /// <exception cref="FfmpegNotFoundException"><see cref="VideoEncoderPreference.Ffmpeg"/> and there is no ffmpeg.</exception>
    public static IMp4Writer Start(string outputPath, int width, int height, Mp4Options options) =>
        Start(Choose(options), outputPath, width, height, options);

    /// <summary>Starts a writer with an encoder already chosen.</summary>
    /// <exception cref="ArgumentException">A size that is not positive and even, or invalid options.</exception>
    public static IMp4Writer Start(VideoEncoderChoice encoder, string outputPath, int width, int height, Mp4Options options)
    {
        ArgumentNullException.ThrowIfNull(encoder);
        ArgumentNullException.ThrowIfNull(options);
        return encoder.Kind switch
        {
            VideoEncoderKind.Ffmpeg => FfmpegMp4Writer.Start(outputPath, width, height, options with { FfmpegPath = encoder.ExecutablePath }),
            VideoEncoderKind.FfmpegNvenc => FfmpegMp4Writer.Start(outputPath, width, height, options with { FfmpegPath = encoder.ExecutablePath }, hardware: true),
            VideoEncoderKind.BuiltIn => BuiltInMp4Writer.Start(outputPath, width, height, options),
            _ => throw new ArgumentException($"{encoder.Kind} is not a video encoder.", nameof(encoder)),
        };
    }

    /// <summary>
    /// Proves that <paramref name="encoder"/> works here by encoding a 2-frame 256x144 clip in
    /// <paramref name="scratchDirectory"/>; the clip is deleted whatever happens.
    /// </summary>
    /// <exception cref="FfmpegException">ffmpeg ran and failed (e.g. it has no libx264), with its last lines on stderr.</exception>
    /// <exception cref="IOException">The clip could not be written.</exception>
    public static void SelfTest(VideoEncoderChoice encoder, string scratchDirectory, Mp4Options? options = null)
    {
        ArgumentNullException.ThrowIfNull(encoder);
        ArgumentException.ThrowIfNullOrWhiteSpace(scratchDirectory);
        var path = Path.Combine(scratchDirectory, $"encoder-self-test-{Guid.NewGuid():N}.mp4");
        try
        {
            using var writer = Start(encoder, path, SelfTestWidth, SelfTestHeight, options ?? new Mp4Options());
            for (var frame = 0; frame < SelfTestFrames; frame++)
            {
                writer.WriteFrame(SelfTestFrame(frame));
            }

            writer.CompleteAsync().GetAwaiter().GetResult();
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>NVENC where the card has it (the GPU compresses while the CPU cores decode and upload), else libx264.</summary>
    private static VideoEncoderChoice Fastest(string ffmpeg) =>
        NvencProbe.Probe(ffmpeg).Works ? VideoEncoderChoice.ForNvenc(ffmpeg) : VideoEncoderChoice.ForFfmpeg(ffmpeg);

    private static string? FindFfmpeg(string? explicitPath, string searchPath) =>
        explicitPath is null ? FfmpegLocator.Locate(searchPath)?.Path : File.Exists(explicitPath) ? explicitPath : null;

    private static byte[] SelfTestFrame(int frame)
    {
        var rgb = new byte[SelfTestWidth * SelfTestHeight * 3];
        for (var i = 0; i < rgb.Length; i++)
        {
            rgb[i] = (byte)((i * 7) + (frame * 40));
        }

        return rgb;
    }
}
