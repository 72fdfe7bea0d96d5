namespace TurboDiffusion.Engine.Media;

/// <summary>
/// Files that appear whole or not at all: written under a hidden temporary name in the target's
/// folder (the same file system, so the final rename is atomic), then renamed over the target.
/// </summary>
internal static class AtomicFile
{
    /// <summary>A fresh hidden name beside <paramref name="target"/>, creating its folder when missing.</summary>
    public static string TemporaryPathFor(string target)
    {
        var full = Path.GetFullPath(target);
        var directory = Path.GetDirectoryName(full) ?? throw new ArgumentException($"{target} has no parent folder.", nameof(target));
        Directory.CreateDirectory(directory);
        return Path.Combine(directory, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.partial");
    }

    public static void Write(string target, ReadOnlySpan<byte> content)
    {
        var temporary = TemporaryPathFor(target);
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write))
            {
                stream.Write(content);
            }

            File.Move(temporary, target, overwrite: true);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }
}
