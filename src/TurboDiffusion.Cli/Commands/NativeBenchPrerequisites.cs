using System.CommandLine;
using TurboDiffusion.Engine.Runtime;
using static TorchSharp.torch;

namespace TurboDiffusion.Cli.Commands;

/// <summary>What the kernel benches need before they measure anything: a CUDA device and the native kernels.</summary>
internal static class NativeBenchPrerequisites
{
    /// <summary>Loads the runtime; false, after saying which is missing on the error writer, when either is absent.</summary>
    public static bool Met(ParseResult parse, string command)
    {
        TorchRuntime.EnsureLoaded();
        if (cuda.is_available() && NativeKernels.Available)
        {
            return true;
        }

        parse.InvocationConfiguration.Error.WriteLine(
            $"{command} needs a CUDA device and the native kernels: CUDA {(cuda.is_available() ? "available" : "not available")}; native kernels: {NativeKernels.Status}");
        return false;
    }
}
