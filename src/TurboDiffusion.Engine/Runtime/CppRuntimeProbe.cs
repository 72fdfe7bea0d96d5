using TurboDiffusion.Engine.Runtime.Elf;

namespace TurboDiffusion.Engine.Runtime;

/// <summary>Which symbol versions (GLIBCXX_*) the process's C++ runtime, libstdc++.so.6, provides.</summary>
public static class CppRuntimeProbe
{
    public const string Soname = "libstdc++.so.6";

    /// <summary>Path of the libstdc++ this process uses: the mapped one if any, else the one the loader would pick.</summary>
    public static string? Locate()
    {
        const string maps = "/proc/self/maps";
        if (File.Exists(maps))
        {
            var mapped = File.ReadLines(maps)
                .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
                .Where(fields => fields.Length >= 6 && Path.GetFileName(fields[5]).StartsWith("libstdc++.so", StringComparison.Ordinal))
                .Select(fields => fields[5])
                .FirstOrDefault();
            if (mapped is not null)
            {
                return mapped;
            }
        }

        string[] usual = ["/lib/x86_64-linux-gnu/", "/usr/lib/x86_64-linux-gnu/", "/usr/lib64/", "/lib64/", "/usr/lib/"];
        return usual.Select(dir => dir + Soname).FirstOrDefault(File.Exists);
    }

    public static IReadOnlySet<string> Versions(string path)
    {
        using var elf = ElfFile.Open(path);
        return elf.VersionDefinitions().ToHashSet(StringComparer.Ordinal);
    }
}
