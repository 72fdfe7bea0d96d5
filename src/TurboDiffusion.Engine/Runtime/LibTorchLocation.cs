namespace TurboDiffusion.Engine.Runtime;

/// <summary>How a libtorch directory was found.</summary>
public enum LibTorchSource
{
    /// <summary>The <c>Turbo:Engine:LibTorchDir</c> setting.</summary>
    Setting,

    /// <summary>The <c>torch/lib</c> of an installed PyTorch.</summary>
    PyTorch,

    /// <summary>The libtorch-cpu NuGet package deployed next to the application.</summary>
    Package,
}

/// <summary>A directory holding libtorch, how it was found, and what it is.</summary>
/// <param name="Directory">Absolute path of the directory holding <c>libtorch.so</c>.</param>
/// <param name="Version">libtorch version, e.g. <c>2.11.0+cu130</c>, or null when nothing says.</param>
/// <param name="HasCuda">Whether the directory carries <c>libtorch_cuda.so</c>.</param>
public sealed record LibTorchLocation(string Directory, LibTorchSource Source, string? Version, bool HasCuda);
