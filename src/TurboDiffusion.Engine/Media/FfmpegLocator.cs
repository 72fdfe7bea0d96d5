using System.Diagnostics;

namespace TurboDiffusion.Engine.Media;

/// <summary>Finds the ffmpeg executable that writes MP4s, and its version line.</summary>
public static class FfmpegLocator
{
    public sealed record Found(string Path, string Version);

    /// <summary>The first <c>ffmpeg</c> on PATH that answers <c>-version</c>; null when there is none.</summary>
    public static Found? Locate()
    {
        var path = (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(System.IO.Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => System.IO.Path.Combine(dir, "ffmpeg"))
            .FirstOrDefault(File.Exists);
        if (path is null)
        {
            return null;
        }

        var start = new ProcessStartInfo(path, "-hide_banner -version") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        using var process = Process.Start(start);
        if (process is null)
        {
            return null;
        }

        var firstLine = process.StandardOutput.ReadLine() ?? "";
        process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return process.ExitCode == 0 ? new Found(path, firstLine.Trim()) : null;
    }
}
