using System.Text.Json;

namespace TurboDiffusion.Engine.Media;

/// <summary>Decodes a JPEG through ffmpeg: ffprobe gives its size, ffmpeg its pixels as rgb24.</summary>
internal static class FfmpegImageDecoder
{
    public static RgbImage DecodeJpeg(string path)
    {
        // "file:" keeps ffmpeg from reading a leading '-' as an option or '%d' as a frame pattern;
        // the format is named because the caller already knows it from the file's first bytes.
        string[] input = ["-f", "jpeg_pipe", "-i", "file:" + Path.GetFullPath(path)];

        var ffmpeg = FfmpegLocator.Require();
        var probe = FfmpegRun.Execute(FfmpegLocator.RequireProbe(ffmpeg), ["-v", "error", "-select_streams", "v:0", "-show_entries", "stream=width,height", "-of", "json", .. input]);
        var (width, height) = probe.ExitCode == 0 ? Size(probe.Output) : (0, 0);
        if (width <= 0 || height <= 0)
        {
            throw new ImageFormatException(path, $"ffprobe finds no readable JPEG image in it: the file is corrupt.{Tail(probe)}");
        }

        var decode = FfmpegRun.Execute(ffmpeg, ["-hide_banner", "-loglevel", "error", .. input, "-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "rgb24", "pipe:1"]);
        if (decode.ExitCode != 0 || decode.Output.LongLength != (long)width * height * 3)
        {
            throw new ImageFormatException(path, $"ffmpeg could not decode it as a {width}x{height} JPEG (exit code {decode.ExitCode}, {decode.Output.LongLength} bytes): the file is corrupt.{Tail(decode)}");
        }

        return new RgbImage(width, height, decode.Output);
    }

    private static (int Width, int Height) Size(byte[] ffprobeJson)
    {
        using var document = JsonDocument.Parse(ffprobeJson);
        var streams = document.RootElement.TryGetProperty("streams", out var found) ? found : default;
        if (streams.ValueKind != JsonValueKind.Array || streams.GetArrayLength() == 0)
        {
            return (0, 0);
        }

        var stream = streams[0];
        return stream.TryGetProperty("width", out var width) && stream.TryGetProperty("height", out var height)
            ? (width.GetInt32(), height.GetInt32())
            : (0, 0);
    }

    private static string Tail(FfmpegRun run) =>
        run.ErrorOutput.Count == 0 ? "" : $" ffmpeg says: {string.Join(" | ", run.ErrorOutput.TakeLast(3))}";
}
