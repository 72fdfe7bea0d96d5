namespace TurboDiffusion.Engine.Media;

/// <summary>Which encoder <see cref="VideoEncoders"/> picks (<see cref="Mp4Options.Encoder"/>).</summary>
public enum VideoEncoderPreference
{
    /// <summary>ffmpeg when it is installed, else the built-in encoder.</summary>
    Auto,

    /// <summary>ffmpeg only: a machine without it fails with <see cref="FfmpegNotFoundException"/>.</summary>
    Ffmpeg,

    /// <summary>The built-in encoder, even where ffmpeg is installed.</summary>
    BuiltIn,
}
