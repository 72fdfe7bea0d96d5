using System.Globalization;

namespace TurboDiffusion.Engine.Media;

/// <summary>The ffmpeg command line that turns rgb24 frames on stdin into an H.264 MP4.</summary>
internal static class Mp4Arguments
{
    public static IEnumerable<string> For(int width, int height, Mp4Options options, string outputPath, bool hardware = false)
    {
        var invariant = CultureInfo.InvariantCulture;
        string[] input = ["-f", "rawvideo", "-pix_fmt", "rgb24", "-video_size", $"{width}x{height}", "-framerate", options.FramesPerSecond.ToString(invariant), "-i", "pipe:0"];

        // swscale converts with BT.601 unless told otherwise, and players assume BT.709 for HD:
        // convert and tag as BT.709 so colours match at every size.
        string[] colour = ["-vf", "scale=out_color_matrix=bt709:out_range=tv", "-colorspace", "bt709", "-color_primaries", "bt709", "-color_trc", "bt709", "-color_range", "tv"];

        string[] encoder = hardware
            ? ["-c:v", "h264_nvenc", "-preset", NvencPreset(options.Preset), "-rc", "vbr", "-cq", options.ConstantRateFactor.ToString(invariant), "-b:v", "0", "-pix_fmt", "yuv420p"]
            : ["-c:v", "libx264", "-preset", options.Preset.ToString().ToLowerInvariant(), "-crf", options.ConstantRateFactor.ToString(invariant), "-pix_fmt", "yuv420p"];

        // The moov atom first lets browsers start playing before the whole file has arrived.
        string[] container = ["-movflags", "+faststart"];

        // The temporary name has no .mp4 extension, so the muxer is named.
        string[] output = ["-f", "mp4", "-y", outputPath];

        return [
            "-hide_banner", "-nostats", "-loglevel", "warning",
            .. input, .. colour, .. encoder, .. container, .. options.ExtraOutputArguments, .. output,
        ];
    }

    /// <summary>
    /// NVENC's presets run p1 (fastest) to p7 (best); x264's nine map onto them in order, so a faster x264 preset is a
    /// faster NVENC one. NVENC's constant-quality target (-cq with -b:v 0) takes the CRF's value: the same scale, 0-51.
    /// </summary>
    private static string NvencPreset(X264Preset preset) => $"p{Math.Clamp(1 + ((int)preset * 6 / 8), 1, 7).ToString(CultureInfo.InvariantCulture)}";
}
