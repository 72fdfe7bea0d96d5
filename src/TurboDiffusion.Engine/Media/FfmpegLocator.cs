using System.ComponentModel;
using System.Diagnostics;

namespace TurboDiffusion.Engine.Media;

/// <summary>Finds the ffmpeg executable that writes MP4s (and its ffprobe), and its version line.</summary>
public static class FfmpegLocator
{
    public sealed record Found(string Path, string Version);

    /// <summary>The first <c>ffmpeg</c> on PATH that answers <c>-version</c>; null when there is none.</summary>
    public static Found? Locate() => Locate(Environment.GetEnvironmentVariable("PATH") ?? "");

    /// <summary>The ffmpeg to run: <paramref name="explicitPath"/> when given, else the first on PATH.</summary>
    /// <exception cref="FfmpegNotFoundException">There is none, with how to install it.</exception>
    public static string Require(string? explicitPath = null) =>
        Require(explicitPath, Environment.GetEnvironmentVariable("PATH") ?? "");

    /// <summary>The ffprobe installed beside the ffmpeg that <see cref="Require(string?)"/> finds (they ship together).</summary>
    /// <exception cref="FfmpegNotFoundException">There is no ffprobe beside it.</exception>
    public static string RequireProbe(string? explicitFfmpegPath = null)
    {
        var ffmpeg = Require(explicitFfmpegPath);
        var probe = System.IO.Path.Combine(System.IO.Path.GetDirectoryName(ffmpeg) ?? "", ExecutableName("ffprobe"));
        return File.Exists(probe) ? probe : throw new FfmpegNotFoundException($"ffprobe was not found beside {ffmpeg}.");
    }

    internal static Found? Locate(string searchPath)
    {
        var path = searchPath
            .Split(System.IO.Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => System.IO.Path.Combine(dir, ExecutableName("ffmpeg")))
            .FirstOrDefault(File.Exists);
        if (path is null)
        {
            return null;
        }

        var start = new ProcessStartInfo(path, "-hide_banner -version") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        using var process = TryStart(start);
        if (process is null)
        {
            return null;
        }

        var firstLine = process.StandardOutput.ReadLine() ?? "";
        process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return process.ExitCode == 0 ? new Found(path, firstLine.Trim()) : null;
    }

    internal static string Require(string? explicitPath, string searchPath)
    {
        if (explicitPath is not null)
        {
            return File.Exists(explicitPath) ? explicitPath : throw new FfmpegNotFoundException($"ffmpeg was not found at the configured path {explicitPath}.");
        }

        return Locate(searchPath)?.Path ?? throw new FfmpegNotFoundException("ffmpeg was not found on PATH.");
    }

    /// <summary>Null where the file cannot be run (not executable, another architecture): that is no ffmpeg.</summary>
    private static Process? TryStart(ProcessStartInfo start)
    {
        try
        {
            return Process.Start(start);
        }
        catch (Win32Exception)
        {
            return null;
        }
    }

    private static string ExecutableName(string tool) => OperatingSystem.IsWindows() ? tool + ".exe" : tool;
}
