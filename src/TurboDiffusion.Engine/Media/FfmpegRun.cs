namespace TurboDiffusion.Engine.Media;

/// <summary>One run of ffmpeg or ffprobe to completion: its stdout as bytes, the tail of its stderr.</summary>
internal sealed record FfmpegRun(int ExitCode, byte[] Output, IReadOnlyList<string> ErrorOutput)
{
    public static FfmpegRun Execute(string executable, IEnumerable<string> arguments)
    {
        var errors = new ErrorTail();
        using var process = FfmpegProcess.Start(executable, arguments, errors);
        process.StandardInput.Close();
        using var output = new MemoryStream();
        process.StandardOutput.BaseStream.CopyTo(output);
        process.WaitForExit();
        return new FfmpegRun(process.ExitCode, output.ToArray(), errors.Lines());
    }
}
