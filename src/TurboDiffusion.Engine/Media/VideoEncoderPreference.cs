namespace TurboDiffusion.Engine.Media;

/// <summary>Which encoder <see cref="VideoEncoders"/> picks (<see cref="Mp4Options.Encoder"/>).</summary>
public enum VideoEncoderPreference
{
    /// <summary>ffmpeg when it is installed (on the card's NVENC where it has one, else libx264), else the built-in encoder.</summary>
    Auto,

    /// <summary>ffmpeg only: a machine without it fails with <see cref="FfmpegNotFoundException"/>.</summary>
    Ffmpeg,

    /// <summary>The built-in encoder, even where ffmpeg is installed.</summary>
    BuiltIn,

    /// <summary>ffmpeg with libx264 even where the card has NVENC: fails with <see cref="FfmpegNotFoundException"/> without ffmpeg.</summary>
    Software,
}
