using System.Runtime.InteropServices;
using TurboDiffusion.Engine.Runtime.Elf;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Runtime;

/// <summary>
/// Loads libtorch and TorchSharp's native glue before any TorchSharp call. TorchSharp's own loader
/// only probes by library name (the app directory, then LD_LIBRARY_PATH, which cannot be changed once
/// the process runs); preloading by absolute path lets later by-name loads bind to what is already
/// in the process (the loader matches on SONAME), whichever libtorch we picked.
/// </summary>
public static class TorchRuntime
{
    private static readonly Lock Gate = new();
    private static LoadedRuntime? loaded;

    /// <summary>What was loaded, from where, and any note worth telling the user once.</summary>
    public sealed record LoadedRuntime(LibTorchLocation LibTorch, IReadOnlyList<string> Preloaded, string LibTorchSharp, string? Note);

    /// <summary>Loads the runtime once per process (later calls return the first result, whatever their options).</summary>
    public static LoadedRuntime EnsureLoaded(TorchRuntimeOptions? options = null)
    {
        lock (Gate)
        {
            return loaded ??= Load(options ?? TorchRuntimeOptions.FromEnvironment());
        }
    }

    /// <summary>A snapshot of the runtime: libtorch, CUDA devices, native kernels. Loads the runtime if needed.</summary>
    public static RuntimeDescription Describe(TorchRuntimeOptions? options = null)
    {
        options ??= TorchRuntimeOptions.FromEnvironment();
        var runtime = EnsureLoaded(options);
        var cuda = cuda_is_available();
        var devices = cuda ? CudaDevices.List() : [];
        return new RuntimeDescription(runtime, cuda, devices, NativeKernels.Available, NativeKernels.Status);
    }

    private static LoadedRuntime Load(TorchRuntimeOptions options)
    {
        if (!OperatingSystem.IsLinux() || RuntimeInformation.ProcessArchitecture != Architecture.X64)
        {
            throw new LibTorchNotFoundException(
                $"The engine runs on linux-x64; this is {RuntimeInformation.OSDescription} {RuntimeInformation.ProcessArchitecture}.");
        }

        var location = LibTorchLocator.Locate(options);
        var order = LoadOrder(location.Directory);
        foreach (var library in order)
        {
            LoadOrExplain(library, location);
        }

        var glue = LibTorchSharpBinding.Resolve(options);
        LoadOrExplain(glue.Path, location);
        if (!TryInitializeDeviceType(DeviceType.CPU))
        {
            throw new LibTorchNotFoundException(
                $"TorchSharp did not initialise with libtorch from {location.Directory} ({location.Source}). " +
                $"Check that this libtorch matches TorchSharp's ({TorchSharpLibTorchVersion}).");
        }

        NativeKernels.Initialize(options);
        AllocatorCounters.Initialize(options);
        return new LoadedRuntime(location, order, glue.Path, glue.Note);
    }

    /// <summary>libtorch 2.10 is what TorchSharp 0.107 is built against; 2.11 is known to work (docs/gpu.md).</summary>
    public const string TorchSharpLibTorchVersion = "2.10";

    /// <summary>
    /// libtorch's core libraries present in <paramref name="directory"/>, each after the ones it needs.
    /// Only these are loaded by path: the rest (libgomp, libtorch_nvshmem, the CUDA libraries) come in as
    /// their dependencies, because some rely on sibling symbols they do not declare (libtorch_nvshmem on
    /// libc10_cuda) and cannot be loaded on their own.
    /// </summary>
    public static IReadOnlyList<string> LoadOrder(string directory)
    {
        string[] core = ["libc10.so", "libtorch_cpu.so", "libc10_cuda.so", "libtorch_cuda.so", "libtorch.so"];
        var order = new List<string>();
        var visited = new HashSet<string>(StringComparer.Ordinal);
        Visit("libtorch.so");
        return order;

        void Visit(string name)
        {
            var path = Path.Combine(directory, name);
            if (!visited.Add(name) || !File.Exists(path))
            {
                return;
            }

            using (var elf = ElfFile.Open(path))
            {
                foreach (var needed in elf.NeededLibraries())
                {
                    Visit(needed);
                }
            }

            if (core.Contains(name))
            {
                order.Add(path);
            }
        }
    }

    private static void LoadOrExplain(string path, LibTorchLocation location)
    {
        try
        {
            NativeLibrary.Load(path);
        }
        catch (DllNotFoundException e)
        {
            throw new LibTorchNotFoundException(
                $"Loading {path} failed: {e.Message.Trim()}\n" +
                $"libtorch came from {location.Directory} ({location.Source}, version {location.Version ?? "unknown"}). " +
                "If a dependency is missing, install it (for a PyTorch install: the nvidia-* wheels it depends on), " +
                "or set Turbo__Engine__LibTorchDir to another libtorch.", e);
        }
    }
}
