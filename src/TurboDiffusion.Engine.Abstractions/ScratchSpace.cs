using System.Globalization;

namespace TurboDiffusion.Engine;

/// <summary>The folder a render writes into: it must be writable and have room for one video.</summary>
public static class ScratchSpace
{
    /// <summary>Creates <paramref name="directory"/> if needed, writes and deletes a probe file, and compares its free space with <paramref name="minFreeBytes"/>.</summary>
    public static IReadOnlyList<PreflightProblem> Check(string directory, long minFreeBytes)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        var full = Path.GetFullPath(directory);
        var probe = Path.Combine(full, $".probe-{Guid.NewGuid():N}");
        try
        {
            Directory.CreateDirectory(full);
            File.WriteAllBytes(probe, [1]);
            File.Delete(probe);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [new PreflightProblem("scratch space", $"{full} cannot be written: {e.Message}", "make the folder writable by this user, or point the work directory elsewhere.")];
        }

        var free = new DriveInfo(full).AvailableFreeSpace;
        return free < minFreeBytes
            ? [new PreflightProblem("scratch space", $"{full} has {Megabytes(free)} free, less than the {Megabytes(minFreeBytes)} one video may need.", "free disk space there, or point the work directory at a larger disk.")]
            : [];
    }

    /// <summary>True when <paramref name="error"/> says the disk (or the user's quota) is full.</summary>
    public static bool IsDiskFull(IOException error)
    {
        ArgumentNullException.ThrowIfNull(error);

        // .NET carries the errno on Unix (ENOSPC 28, EDQUOT 122) and the Win32 error on Windows (39, 112).
        return OperatingSystem.IsWindows() ? (error.HResult & 0xFFFF) is 39 or 112 : error.HResult is 28 or 122;
    }

    private static string Megabytes(long bytes) => $"{(bytes / 1e6).ToString("0.#", CultureInfo.InvariantCulture)} MB";
}
