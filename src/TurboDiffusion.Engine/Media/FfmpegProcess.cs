using System.Diagnostics;

namespace TurboDiffusion.Engine.Media;

/// <summary>Starts ffmpeg or ffprobe with every stream a pipe; stderr goes to an <see cref="ErrorTail"/> as it arrives.</summary>
internal static class FfmpegProcess
{
    public static Process Start(string executable, IEnumerable<string> arguments, ErrorTail errors)
    {
        var start = new ProcessStartInfo(executable)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException($"{executable} did not start.");
        process.ErrorDataReceived += (_, e) => errors.Add(e.Data);
        process.BeginErrorReadLine();
        return process;
    }
}
