using System.Runtime.InteropServices;

namespace TurboDiffusion.Engine.Runtime;

/// <summary>
/// <c>libturbo_kernels.so</c> (built from <c>native/</c>), loaded once: the library is found where
/// <see cref="NativeKernelLibrary"/> looks, its ABI version checked, its entry points bound. When it is absent
/// or incompatible the engine runs its TorchSharp reference paths; <see cref="Status"/> says which and why.
/// </summary>
public static unsafe class NativeKernels
{
    /// <summary>The ABI this engine speaks (TURBO_KERNELS_ABI_VERSION in native/include/turbo_kernels.h).</summary>
    public const int AbiVersion = 2;

    private static Bound? library;
    private static string status = "not loaded: the engine runtime has not started";

    /// <summary>Whether the kernels are usable in this process (bound when <see cref="TorchRuntime"/> loads).</summary>
    public static bool Available => library is not null;

    /// <summary>One line for logs and <c>turbo doctor</c>: the library, its architectures, or why the reference path runs.</summary>
    public static string Status => status;

    /// <summary>Binds the library once, with the runtime's options; called by <see cref="TorchRuntime"/>.</summary>
    internal static void Initialize(TorchRuntimeOptions options) => library = Bind(options);

    /// <summary>turbo_sla_sparse_attention_bf16 (see the header for the contract); throws with the library's message on failure.</summary>
    internal static void SlaSparseAttention(
        IntPtr q, IntPtr k, IntPtr v, IntPtr lut, IntPtr output, int batch, int heads, int queries, int keys, int headDim,
        int blockQ, int blockK, int topK, float scale)
    {
        var bound = Require();

        // Stream 0: TorchSharp runs every op on the legacy default stream, so this orders after q, k, v and lut.
        Check(bound, bound.SlaSparseAttention(q, k, v, lut, output, batch, heads, queries, keys, headDim, blockQ, blockK, topK, scale, IntPtr.Zero));
    }

    /// <summary>turbo_sagesla_quantize_bf16: q, k, v [B, L, H, 128] bf16 → the SageSLA operands (see the header for each buffer).</summary>
    internal static void SageSlaQuantize(
        IntPtr q, IntPtr k, IntPtr v, int batch, int heads, int queries, int keys, int headDim, int blockQ, int blockK,
        IntPtr queryCodes, IntPtr queryScale, IntPtr queryPool, IntPtr keyCodes, IntPtr keyScale, IntPtr keyPool, IntPtr valueCodes,
        IntPtr keySum, IntPtr valueAbsMax)
    {
        var bound = Require();
        Check(bound, bound.SageSlaQuantize(
            q, k, v, batch, heads, queries, keys, headDim, blockQ, blockK, queryCodes, queryScale, queryPool, keyCodes, keyScale, keyPool,
            valueCodes, keySum, valueAbsMax, IntPtr.Zero));
    }

    /// <summary>turbo_sagesla_sparse_attention_path over the operands <see cref="SageSlaQuantize"/> wrote; output [B, Lq, H, 128] bf16.</summary>
    internal static void SageSlaSparseAttention(
        IntPtr queryCodes, IntPtr queryScale, IntPtr keyCodes, IntPtr keyScale, IntPtr valueCodes, IntPtr valueAbsMax, IntPtr lut, IntPtr output,
        int batch, int heads, int queries, int keys, int headDim, int blockQ, int blockK, int topK, float scale, TensorCorePath path)
    {
        var bound = Require();
        Check(bound, bound.SageSlaSparseAttention(
            queryCodes, queryScale, keyCodes, keyScale, valueCodes, valueAbsMax, lut, output, batch, heads, queries, keys, headDim,
            blockQ, blockK, topK, scale, (int)path, IntPtr.Zero));
    }

    private static Bound Require() => library ?? throw new InvalidOperationException($"Native kernels are not available: {status}");

    private static void Check(Bound bound, int result)
    {
        if (result != 0)
        {
            throw new InvalidOperationException($"{NativeKernelLibrary.FileName}: {Marshal.PtrToStringUTF8(bound.LastError()) ?? "unknown error"} (status {result}).");
        }
    }

    /// <summary>The bound entry points (function pointers cannot live in a record).</summary>
    private sealed class Bound(
        delegate* unmanaged<IntPtr> lastError,
        delegate* unmanaged<IntPtr, IntPtr, IntPtr, IntPtr, IntPtr, int, int, int, int, int, int, int, int, float, IntPtr, int> slaSparseAttention,
        delegate* unmanaged<IntPtr, IntPtr, IntPtr, int, int, int, int, int, int, int, IntPtr, IntPtr, IntPtr, IntPtr, IntPtr, IntPtr, IntPtr, IntPtr, IntPtr, IntPtr, int> sageSlaQuantize,
        delegate* unmanaged<IntPtr, IntPtr, IntPtr, IntPtr, IntPtr, IntPtr, IntPtr, IntPtr, int, int, int, int, int, int, int, int, float, int, IntPtr, int> sageSlaSparseAttention)
    {
        public delegate* unmanaged<IntPtr> LastError { get; } = lastError;

        public delegate* unmanaged<IntPtr, IntPtr, IntPtr, IntPtr, IntPtr, int, int, int, int, int, int, int, int, float, IntPtr, int> SlaSparseAttention { get; } = slaSparseAttention;

        public delegate* unmanaged<IntPtr, IntPtr, IntPtr, int, int, int, int, int, int, int, IntPtr, IntPtr, IntPtr, IntPtr, IntPtr, IntPtr, IntPtr, IntPtr, IntPtr, IntPtr, int> SageSlaQuantize { get; } = sageSlaQuantize;

        public delegate* unmanaged<IntPtr, IntPtr, IntPtr, IntPtr, IntPtr, IntPtr, IntPtr, IntPtr, int, int, int, int, int, int, int, int, float, int, IntPtr, int> SageSlaSparseAttention { get; } = sageSlaSparseAttention;
    }

    private static Bound? Bind(TorchRuntimeOptions options)
    {
        var search = NativeKernelLibrary.Locate(options);
        if (search.Path is not { } path)
        {
            status = $"{NativeKernelLibrary.FileName} not found (looked at {string.Join(", ", search.Searched)}): using the TorchSharp reference kernels";
            return null;
        }

        if (!NativeLibrary.TryLoad(path, out var handle))
        {
            status = $"{path} did not load (missing CUDA runtime or wrong architecture?): using the TorchSharp reference kernels";
            return null;
        }

        var version = ((delegate* unmanaged<int>)NativeLibrary.GetExport(handle, "turbo_kernels_abi_version"))();
        if (version != AbiVersion)
        {
            status = $"{path} speaks ABI {version}, this engine {AbiVersion}: rebuild native/ from this source; using the TorchSharp reference kernels";
            return null;
        }

        var architectures = Marshal.PtrToStringUTF8(((delegate* unmanaged<IntPtr>)NativeLibrary.GetExport(handle, "turbo_kernels_architectures"))());
        status = $"{path} (ABI {version}, {architectures})";
        return new Bound(
            (delegate* unmanaged<IntPtr>)NativeLibrary.GetExport(handle, "turbo_kernels_last_error"),
            (delegate* unmanaged<IntPtr, IntPtr, IntPtr, IntPtr, IntPtr, int, int, int, int, int, int, int, int, float, IntPtr, int>)
                NativeLibrary.GetExport(handle, "turbo_sla_sparse_attention_bf16"),
            (delegate* unmanaged<IntPtr, IntPtr, IntPtr, int, int, int, int, int, int, int, IntPtr, IntPtr, IntPtr, IntPtr, IntPtr, IntPtr, IntPtr, IntPtr, IntPtr, IntPtr, int>)
                NativeLibrary.GetExport(handle, "turbo_sagesla_quantize_bf16"),
            (delegate* unmanaged<IntPtr, IntPtr, IntPtr, IntPtr, IntPtr, IntPtr, IntPtr, IntPtr, int, int, int, int, int, int, int, int, float, int, IntPtr, int>)
                NativeLibrary.GetExport(handle, "turbo_sagesla_sparse_attention_path"));
    }
}
