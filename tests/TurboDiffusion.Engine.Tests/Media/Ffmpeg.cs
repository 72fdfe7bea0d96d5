using System.Diagnostics;
using System.Text.Json;
using TurboDiffusion.Engine.Media;

namespace TurboDiffusion.Engine.Tests.Media;

/// <summary>ffmpeg and ffprobe run directly, as an independent judge of what the engine writes and reads.</summary>
internal static class Ffmpeg
{
    private static readonly Lazy<string> Executable = new(() => FfmpegLocator.Require());

    /// <summary>Runs ffmpeg quietly and returns its stdout; fails the test with its stderr on a non-zero exit.</summary>
    public static byte[] Run(params string[] arguments) => Execute(Executable.Value, ["-hide_banner", "-loglevel", "error", .. arguments]);

    /// <summary>The first video stream as ffprobe reports it, with every frame decoded and counted.</summary>
    public static JsonElement ProbeVideoStream(string path)
    {
        var json = Execute(FfmpegLocator.RequireProbe(Executable.Value), ["-v", "error", "-count_frames", "-select_streams", "v:0", "-show_streams", "-of", "json", path]);
        using var document = JsonDocument.Parse(json);
        return document.RootElement.GetProperty("streams")[0].Clone();
    }

    /// <summary>The single frame of an image file (or lavfi source) decoded by ffmpeg to rgb24.</summary>
    public static byte[] DecodeToRgb24(params string[] input) => Run([.. input, "-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "rgb24", "pipe:1"]);

    /// <summary>Every frame of a video decoded by ffmpeg to rgb24, one after another.</summary>
    public static byte[] DecodeAllToRgb24(string path) => Run("-i", path, "-f", "rawvideo", "-pix_fmt", "rgb24", "pipe:1");

    private static byte[] Execute(string executable, string[] arguments)
    {
        var start = new ProcessStartInfo(executable) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var errors = process.StandardError.ReadToEndAsync();
        using var output = new MemoryStream();
        process.StandardOutput.BaseStream.CopyTo(output);
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"{executable} {string.Join(' ', arguments)} exited with {process.ExitCode}: {errors.Result}");
        return output.ToArray();
    }
}
