using System.Diagnostics;

namespace TurboDiffusion.Engine.Media;

/// <summary>One run of ffmpeg or ffprobe to completion: its stdout as bytes, the tail of its stderr.</summary>
internal sealed record FfmpegRun(int ExitCode, byte[] Output, IReadOnlyList<string> ErrorOutput)
{
    public static FfmpegRun Execute(string executable, IEnumerable<string> arguments)
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

        using var process = Process.Start(start) ?? throw new FfmpegNotFoundException($"{executable} could not be started.");
        var errors = new ErrorTail();
        process.ErrorDataReceived += (_, e) => errors.Add(e.Data);
        process.BeginErrorReadLine();
        process.StandardInput.Close();

        using var output = new MemoryStream();
        process.StandardOutput.BaseStream.CopyTo(output);
        process.WaitForExit();
        return new FfmpegRun(process.ExitCode, output.ToArray(), errors.Lines());
    }
}
