namespace TurboDiffusion.Engine.Tests.Media;

/// <summary>Live processes seen through /proc, to check that a writer really stopped its ffmpeg.</summary>
internal static class RunningProcesses
{
    /// <summary>How many processes have an argument containing <paramref name="text"/> (zombies have none).</summary>
    public static int WithArgumentContaining(string text) =>
        Directory.GetDirectories("/proc")
            .Where(dir => int.TryParse(Path.GetFileName(dir), out _))
            .Count(dir => CommandLine(dir).Contains(text, StringComparison.Ordinal));

    private static string CommandLine(string processDirectory)
    {
        try
        {
            return File.ReadAllText(Path.Combine(processDirectory, "cmdline"));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The process ended between listing and reading.
            return "";
        }
    }
}
