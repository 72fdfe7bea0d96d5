namespace TurboDiffusion.Engine.Media;

/// <summary>What turns frames into an MP4.</summary>
public enum VideoEncoderKind
{
    /// <summary>ffmpeg with libx264: small files; needs ffmpeg installed.</summary>
    Ffmpeg,

    /// <summary>ffmpeg with h264_nvenc: the card's hardware encoder compresses, the CPU cores stay free; needs a card with NVENC.</summary>
    FfmpegNvenc,

    /// <summary>The engine's own writer of uncompressed H.264 (I_PCM): needs nothing, but files are large.</summary>
    BuiltIn,
}
