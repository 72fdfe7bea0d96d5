namespace TurboDiffusion.Engine.Runtime;

/// <summary>One CUDA device as the driver reports it.</summary>
/// <param name="ComputeCapability">e.g. "9.0" for Hopper.</param>
public sealed record CudaDeviceInfo(int Index, string Name, string ComputeCapability, long TotalBytes, long FreeBytes);

/// <summary>Everything <c>turbo doctor</c> reports about the engine's runtime.</summary>
public sealed record RuntimeDescription(
    TorchRuntime.LoadedRuntime Runtime,
    bool CudaAvailable,
    IReadOnlyList<CudaDeviceInfo> Devices,
    bool NativeKernelsAvailable,
    string NativeKernels);
