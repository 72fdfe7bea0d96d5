namespace TurboDiffusion.Engine.Runtime;

/// <summary>Finds <c>libturbo_kernels.so</c>, the CUDA kernels built from <c>native/</c>.</summary>
public static class NativeKernelLibrary
{
    public const string FileName = "libturbo_kernels.so";

    /// <summary>Where the library was found (null when absent) and every path looked at.</summary>
    public sealed record Search(string? Path, IReadOnlyList<string> Searched);

    public static Search Locate(TorchRuntimeOptions options)
    {
        var candidates = options.NativeKernels is { } configured
            ? [Path.GetFullPath(configured)]
            : LibTorchLocator.ApplicationNativeDirectories().Select(dir => Path.Combine(dir, FileName)).ToList();
        return new Search(candidates.FirstOrDefault(File.Exists), candidates);
    }
}
