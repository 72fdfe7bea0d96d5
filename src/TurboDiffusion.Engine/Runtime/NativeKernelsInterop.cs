using System.Reflection;
using System.Runtime.InteropServices;

namespace TurboDiffusion.Engine.Runtime;

/// <summary>
/// The C ABI of <c>libturbo_kernels.so</c> (native/include/turbo_kernels.h), each entry point declared once. Every
/// entry returns a turbo_status (0 = ok) and takes its CUDA stream last. The library name resolves only to the library
/// <see cref="NativeKernels"/> found and loaded by path, never through the runtime's own probing by name, which could
/// pick up another copy than the one configured.
/// </summary>
internal static partial class NativeKernelsInterop
{
    private static IntPtr library;

    // An explicit static constructor runs before the first call of any method here (a field initializer need not), so
    // the resolver is in place before any entry point resolves. An assembly takes one resolver: this is the engine's.
    static NativeKernelsInterop() => NativeLibrary.SetDllImportResolver(typeof(NativeKernelsInterop).Assembly, (name, _, _) => Resolve(name));

    /// <summary>Binds the entry points to <paramref name="handle"/>, the library loaded by path.</summary>
    internal static void Use(IntPtr handle) => library = handle;

    /// <summary>
    /// Resolves every entry point now: a library that lacks one fails when it is bound, not at the first call that
    /// needs it.
    /// </summary>
    internal static void ResolveAll()
    {
        foreach (var method in typeof(NativeKernelsInterop).GetMethods(BindingFlags.Static | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
        {
            Marshal.Prelink(method);
        }
    }

    [LibraryImport(NativeKernelLibrary.FileName, EntryPoint = "turbo_kernels_abi_version")]
    internal static partial int AbiVersion();

    /// <summary>A static UTF-8 string, e.g. "sm_90a,sm_80,sm_89".</summary>
    [LibraryImport(NativeKernelLibrary.FileName, EntryPoint = "turbo_kernels_architectures")]
    internal static partial IntPtr Architectures();

    /// <summary>The calling thread's last failure as UTF-8, owned by the library.</summary>
    [LibraryImport(NativeKernelLibrary.FileName, EntryPoint = "turbo_kernels_last_error")]
    internal static partial IntPtr LastError();

    [LibraryImport(NativeKernelLibrary.FileName, EntryPoint = "turbo_sla_sparse_attention_bf16")]
    internal static partial int SlaSparseAttention(
        IntPtr q, IntPtr k, IntPtr v, IntPtr lut, IntPtr output, int batch, int heads, int queries, int keys, int headDim,
        int blockQ, int blockK, int topK, float scale, IntPtr stream);

    [LibraryImport(NativeKernelLibrary.FileName, EntryPoint = "turbo_sagesla_quantize_bf16")]
    internal static partial int SageSlaQuantize(
        IntPtr q, IntPtr k, IntPtr v, int batch, int heads, int queries, int keys, int headDim, int blockQ, int blockK,
        IntPtr queryCodes, IntPtr queryScale, IntPtr queryPool, IntPtr keyCodes, IntPtr keyScale, IntPtr keyPool, IntPtr valueCodes,
        IntPtr keySum, IntPtr valueAbsMax, IntPtr stream);

    [LibraryImport(NativeKernelLibrary.FileName, EntryPoint = "turbo_sagesla_sparse_attention_path")]
    internal static partial int SageSlaSparseAttention(
        IntPtr queryCodes, IntPtr queryScale, IntPtr keyCodes, IntPtr keyScale, IntPtr valueCodes, IntPtr valueAbsMax, IntPtr lut, IntPtr output,
        int batch, int heads, int queries, int keys, int headDim, int blockQ, int blockK, int topK, float scale, TensorCorePath path, IntPtr stream);

    [LibraryImport(NativeKernelLibrary.FileName, EntryPoint = "turbo_layer_norm_modulate_f32_bf16")]
    internal static partial int LayerNormModulate(
        IntPtr x, IntPtr output, int rows, int dim, IntPtr weight, IntPtr bias, float eps, IntPtr shift, IntPtr scale, int rowsPerBatch,
        long modulationBatchStride, IntPtr stream);

    [LibraryImport(NativeKernelLibrary.FileName, EntryPoint = "turbo_rms_norm_rope_bf16")]
    internal static partial int RmsNormRope(
        IntPtr x, IntPtr output, int batch, int seq, int dim, int heads, IntPtr weight, float eps, IntPtr cos, IntPtr sin, IntPtr stream);

    [LibraryImport(NativeKernelLibrary.FileName, EntryPoint = "turbo_gated_residual_f32")]
    internal static partial int GatedResidual(
        IntPtr x, IntPtr y, IntPtr gate, IntPtr output, int rows, int dim, int rowsPerBatch, long gateBatchStride, IntPtr stream);

    [LibraryImport(NativeKernelLibrary.FileName, EntryPoint = "turbo_sla_linear_state_bf16")]
    internal static partial int SlaLinearState(
        IntPtr k, IntPtr v, IntPtr keyValue, IntPtr keySum, int batch, int heads, int keys, int headDim, IntPtr stream);

    [LibraryImport(NativeKernelLibrary.FileName, EntryPoint = "turbo_sla_linear_combine_bf16")]
    internal static partial int SlaLinearCombine(
        IntPtr q, IntPtr keyValue, IntPtr keySum, IntPtr weight, IntPtr bias, IntPtr sparse, IntPtr output, int batch, int heads, int queries,
        int headDim, IntPtr stream);

    private static IntPtr Resolve(string name)
    {
        if (name != NativeKernelLibrary.FileName)
        {
            return IntPtr.Zero;
        }

        return library != IntPtr.Zero ? library : throw new DllNotFoundException($"{NativeKernelLibrary.FileName} is not loaded: {NativeKernels.Status}");
    }

    [LibraryImport(NativeKernelLibrary.FileName, EntryPoint = "turbo_int8_quantize_bf16")]
    internal static partial int Int8Quantize(IntPtr x, IntPtr codes, IntPtr scale, int rows, int cols, IntPtr stream);

    [LibraryImport(NativeKernelLibrary.FileName, EntryPoint = "turbo_int8_linear_path_bf16")]
    internal static partial int Int8Linear(
        IntPtr x, IntPtr xScale, IntPtr w, IntPtr wScale, IntPtr bias, IntPtr output, int m, int n, int k, TensorCorePath path, IntPtr stream);
}
