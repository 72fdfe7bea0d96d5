using System.Security.Cryptography;
using TurboDiffusion.Engine.Runtime.Elf;

namespace TurboDiffusion.Engine.Runtime;

/// <summary>
/// Picks the <c>libLibTorchSharp.so</c> to load. TorchSharp 0.107 is built against GCC 13 and needs
/// GLIBCXX_3.4.32 for one symbol it never calls (<c>std::ios_base_library_init</c>, no relocation uses
/// it). On an older C++ runtime (Debian 12 has 3.4.30) we load a cached copy whose need of exactly that
/// version is marked weak; the original (possibly in the NuGet cache) is never modified.
/// </summary>
public static class LibTorchSharpBinding
{
    public const string FileName = "libLibTorchSharp.so";

    /// <summary>The only version need we relax: any other missing version is a real incompatibility.</summary>
    public const string RelaxableVersion = "GLIBCXX_3.4.32";

    /// <summary>The file to load, and a note when it is a relaxed copy.</summary>
    public sealed record Resolution(string Path, string Original, string? Note);

    public static Resolution Resolve(TorchRuntimeOptions options)
    {
        var original = Locate();
        using var elf = ElfFile.Open(original);
        var cppNeeds = elf.VersionNeeds()
            .Where(n => n.File == CppRuntimeProbe.Soname && !n.IsWeak)
            .Select(n => n.Version)
            .ToList();
        if (cppNeeds.Count == 0)
        {
            return new Resolution(original, original, null);
        }

        var runtime = CppRuntimeProbe.Locate()
            ?? throw new LibTorchNotFoundException($"No {CppRuntimeProbe.Soname} was found in this process or the usual library directories; install libstdc++6.");
        var provided = CppRuntimeProbe.Versions(runtime);
        var missing = cppNeeds.Where(v => !provided.Contains(v)).ToList();
        if (missing.Count == 0)
        {
            return new Resolution(original, original, null);
        }

        if (missing.Any(v => v != RelaxableVersion))
        {
            throw new LibTorchNotFoundException(
                $"{original} needs {string.Join(", ", missing)} of the C++ runtime, but {runtime} provides up to " +
                $"{provided.Where(v => v.StartsWith("GLIBCXX_", StringComparison.Ordinal)).Max(VersionOrder.Instance)}. " +
                "Install a newer libstdc++6 (GCC 13 or later).");
        }

        var relaxed = RelaxedCopy(original, options);
        return new Resolution(relaxed, original, $"{runtime} lacks {RelaxableVersion}; loading a copy that marks that unused need weak: {relaxed}");
    }

    private static string Locate()
    {
        var candidates = LibTorchLocator.ApplicationNativeDirectories()
            .Append(Path.GetDirectoryName(typeof(TorchSharp.torch).Assembly.Location) ?? AppContext.BaseDirectory)
            .Select(dir => Path.Combine(dir, FileName))
            .Distinct()
            .ToList();
        return candidates.FirstOrDefault(File.Exists)
            ?? throw new LibTorchNotFoundException(
                $"{FileName} (TorchSharp's native glue) was not found; looked at: {string.Join(", ", candidates)}. " +
                "It ships in the TorchSharp NuGet package: rebuild or republish the application for linux-x64.");
    }

    private static string RelaxedCopy(string original, TorchRuntimeOptions options)
    {
        var hash = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(original)))[..16];
        var directory = Path.Combine(CacheDirectory(options), "libtorchsharp", hash);
        var copy = Path.Combine(directory, FileName);
        if (!File.Exists(copy))
        {
            Directory.CreateDirectory(directory);
            ElfVersionPatcher.CopyWithWeakVersion(original, copy, RelaxableVersion);
        }

        return copy;
    }

    private static string CacheDirectory(TorchRuntimeOptions options)
    {
        if (options.CacheDir is { } configured)
        {
            return configured;
        }

        var xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        var root = !string.IsNullOrEmpty(xdg) ? xdg
            : !string.IsNullOrEmpty(home) ? Path.Combine(home, ".cache")
            : Path.GetTempPath();
        return Path.Combine(root, "turbodiffusion");
    }

    /// <summary>Orders GLIBCXX_3.4.9 before GLIBCXX_3.4.30 (numeric, not lexical).</summary>
    private sealed class VersionOrder : IComparer<string>
    {
        public static readonly VersionOrder Instance = new();

        public int Compare(string? x, string? y) => Key(x).CompareTo(Key(y));

        private static Version Key(string? name) =>
            name is not null && Version.TryParse(name[(name.IndexOf('_') + 1)..], out var v) ? v : new Version();
    }
}
