namespace TurboDiffusion.Engine.Runtime;

/// <summary>
/// Where the engine looks for libtorch and its native kernels. Bound from configuration section
/// <c>Turbo:Engine</c> (environment form <c>Turbo__Engine__LibTorchDir</c> and so on).
/// </summary>
public sealed record TorchRuntimeOptions
{
    public const string Section = "Turbo:Engine";
    public const string DefaultPython = "python3";

    /// <summary>
    /// A directory holding <c>libtorch.so</c> (a PyTorch <c>torch/lib</c> or an unpacked libtorch <c>lib</c>).
    /// When set it is the only place searched: a wrong path is an error, never a silent fallback.
    /// </summary>
    public string? LibTorchDir { get; init; }

    /// <summary>The Python interpreter asked where PyTorch is installed.</summary>
    public string Python { get; init; } = DefaultPython;

    /// <summary>Path of <c>libturbo_kernels.so</c>; unset means "next to the application".</summary>
    public string? NativeKernels { get; init; }

    /// <summary>Where derived files (the relaxed copy of libLibTorchSharp.so) are kept; unset means the user cache directory.</summary>
    public string? CacheDir { get; init; }

    /// <summary>Options from the process environment, for callers that have no configuration system.</summary>
    public static TorchRuntimeOptions FromEnvironment() => new()
    {
        LibTorchDir = Read("LibTorchDir"),
        Python = Read("Python") ?? DefaultPython,
        NativeKernels = Read("NativeKernels"),
        CacheDir = Read("CacheDir"),
    };

    private static string? Read(string key)
    {
        var value = Environment.GetEnvironmentVariable($"Turbo__Engine__{key}");
        return string.IsNullOrWhiteSpace(value) ? null : value;
    }
}
