namespace TurboDiffusion.Engine.Media;

/// <summary>ffmpeg ran and failed. The message holds its exit code and the last lines it wrote to stderr.</summary>
public sealed class FfmpegException : Exception
{
    public FfmpegException(string task, int exitCode, IReadOnlyList<string> errorOutput, Exception? inner = null)
        : base(Describe(task, exitCode, errorOutput), inner)
    {
        ExitCode = exitCode;
        ErrorOutput = errorOutput;
    }

    public int ExitCode { get; }

    /// <summary>The last lines ffmpeg wrote to stderr, oldest first.</summary>
    public IReadOnlyList<string> ErrorOutput { get; }

    private static string Describe(string task, int exitCode, IReadOnlyList<string> errorOutput) =>
        errorOutput.Count == 0
            ? $"ffmpeg failed {task} with exit code {exitCode} and wrote nothing to stderr."
            : $"ffmpeg failed {task} with exit code {exitCode}. Its last lines on stderr:{Environment.NewLine}  {string.Join(Environment.NewLine + "  ", errorOutput)}";
}
