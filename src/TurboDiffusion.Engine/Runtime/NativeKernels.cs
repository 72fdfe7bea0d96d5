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

    /// <summary>turbo_layer_norm_modulate_f32_bf16: LayerNorm (optionally affine) and adaLN modulation, fp32 in, bf16 out.</summary>
    internal static void LayerNormModulate(
        IntPtr x, IntPtr output, int rows, int dim, IntPtr weight, IntPtr bias, float eps, IntPtr shift, IntPtr scale, int rowsPerBatch, long modulationBatchStride)
    {
        var bound = Require();
        Check(bound, bound.LayerNormModulate(x, output, rows, dim, weight, bias, eps, shift, scale, rowsPerBatch, modulationBatchStride, IntPtr.Zero));
    }

    /// <summary>turbo_rms_norm_rope_bf16: RMSNorm over the hidden dim, then RoPE per head (none when cos and sin are <see cref="IntPtr.Zero"/>).</summary>
    internal static void RmsNormRope(IntPtr x, IntPtr output, int batch, int seq, int dim, int heads, IntPtr weight, float eps, IntPtr cos, IntPtr sin)
    {
        var bound = Require();
        Check(bound, bound.RmsNormRope(x, output, batch, seq, dim, heads, weight, eps, cos, sin, IntPtr.Zero));
    }

    /// <summary>turbo_gated_residual_f32: x + y · gate (x + y when gate is <see cref="IntPtr.Zero"/>), fp32 stream, bf16 y.</summary>
    internal static void GatedResidual(IntPtr x, IntPtr y, IntPtr gate, IntPtr output, int rows, int dim, int rowsPerBatch, long gateBatchStride)
    {
        var bound = Require();
        Check(bound, bound.GatedResidual(x, y, gate, output, rows, dim, rowsPerBatch, gateBatchStride, IntPtr.Zero));
    }

    /// <summary>turbo_sla_linear_state_bf16: kv [B, H, D, D] and ksum [B, H, D] fp32 of k, v [B, L, H, D] bf16.</summary>
    internal static void SlaLinearState(IntPtr k, IntPtr v, IntPtr keyValue, IntPtr keySum, int batch, int heads, int keys, int headDim)
    {
        var bound = Require();
        Check(bound, bound.SlaLinearState(k, v, keyValue, keySum, batch, heads, keys, headDim, IntPtr.Zero));
    }

    /// <summary>turbo_sla_linear_combine_bf16: o = o_s + proj_l(o_l) [B, L, H, D] bf16 from q, the state and proj_l.</summary>
    internal static void SlaLinearCombine(
        IntPtr q, IntPtr keyValue, IntPtr keySum, IntPtr weight, IntPtr bias, IntPtr sparse, IntPtr output, int batch, int heads, int queries, int headDim)
    {
        var bound = Require();
        Check(bound, bound.SlaLinearCombine(q, keyValue, keySum, weight, bias, sparse, output, batch, heads, queries, headDim, IntPtr.Zero));
    }

    private static Bound Require() => library ?? throw new InvalidOperationException($"Native kernels are not available: {status}");

    // Every entry passes stream 0: TorchSharp runs every op on the legacy default stream, so a kernel orders after the
    // ops that wrote its inputs and before those that read its output.
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
        delegate* unmanaged<IntPtr, IntPtr, IntPtr, IntPtr, IntPtr, IntPtr, IntPtr, IntPtr, int, int, int, int, int, int, int, int, float, int, IntPtr, int> sageSlaSparseAttention,
        delegate* unmanaged<IntPtr, IntPtr, int, int, IntPtr, IntPtr, float, IntPtr, IntPtr, int, long, IntPtr, int> layerNormModulate,
        delegate* unmanaged<IntPtr, IntPtr, int, int, int, int, IntPtr, float, IntPtr, IntPtr, IntPtr, int> rmsNormRope,
        delegate* unmanaged<IntPtr, IntPtr, IntPtr, IntPtr, int, int, int, long, IntPtr, int> gatedResidual,
        delegate* unmanaged<IntPtr, IntPtr, IntPtr, IntPtr, int, int, int, int, IntPtr, int> slaLinearState,
        delegate* unmanaged<IntPtr, IntPtr, IntPtr, IntPtr, IntPtr, IntPtr, IntPtr, int, int, int, int, IntPtr, int> slaLinearCombine)
    {
        public delegate* unmanaged<IntPtr> LastError { get; } = lastError;

        public delegate* unmanaged<IntPtr, IntPtr, IntPtr, IntPtr, IntPtr, int, int, int, int, int, int, int, int, float, IntPtr, int> SlaSparseAttention { get; } = slaSparseAttention;

        public delegate* unmanaged<IntPtr, IntPtr, IntPtr, int, int, int, int, int, int, int, IntPtr, IntPtr, IntPtr, IntPtr, IntPtr, IntPtr, IntPtr, IntPtr, IntPtr, IntPtr, int> SageSlaQuantize { get; } = sageSlaQuantize;

        public delegate* unmanaged<IntPtr, IntPtr, IntPtr, IntPtr, IntPtr, IntPtr, IntPtr, IntPtr, int, int, int, int, int, int, int, int, float, int, IntPtr, int> SageSlaSparseAttention { get; } = sageSlaSparseAttention;

        public delegate* unmanaged<IntPtr, IntPtr, int, int, IntPtr, IntPtr, float, IntPtr, IntPtr, int, long, IntPtr, int> LayerNormModulate { get; } = layerNormModulate;

        public delegate* unmanaged<IntPtr, IntPtr, int, int, int, int, IntPtr, float, IntPtr, IntPtr, IntPtr, int> RmsNormRope { get; } = rmsNormRope;

        public delegate* unmanaged<IntPtr, IntPtr, IntPtr, IntPtr, int, int, int, long, IntPtr, int> GatedResidual { get; } = gatedResidual;

        public delegate* unmanaged<IntPtr, IntPtr, IntPtr, IntPtr, int, int, int, int, IntPtr, int> SlaLinearState { get; } = slaLinearState;

        public delegate* unmanaged<IntPtr, IntPtr, IntPtr, IntPtr, IntPtr, IntPtr, IntPtr, int, int, int, int, IntPtr, int> SlaLinearCombine { get; } = slaLinearCombine;
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
                NativeLibrary.GetExport(handle, "turbo_sagesla_sparse_attention_path"),
            (delegate* unmanaged<IntPtr, IntPtr, int, int, IntPtr, IntPtr, float, IntPtr, IntPtr, int, long, IntPtr, int>)
                NativeLibrary.GetExport(handle, "turbo_layer_norm_modulate_f32_bf16"),
            (delegate* unmanaged<IntPtr, IntPtr, int, int, int, int, IntPtr, float, IntPtr, IntPtr, IntPtr, int>)
                NativeLibrary.GetExport(handle, "turbo_rms_norm_rope_bf16"),
            (delegate* unmanaged<IntPtr, IntPtr, IntPtr, IntPtr, int, int, int, long, IntPtr, int>)
                NativeLibrary.GetExport(handle, "turbo_gated_residual_f32"),
            (delegate* unmanaged<IntPtr, IntPtr, IntPtr, IntPtr, int, int, int, int, IntPtr, int>)NativeLibrary.GetExport(handle, "turbo_sla_linear_state_bf16"),
            (delegate* unmanaged<IntPtr, IntPtr, IntPtr, IntPtr, IntPtr, IntPtr, IntPtr, int, int, int, int, IntPtr, int>)
                NativeLibrary.GetExport(handle, "turbo_sla_linear_combine_bf16"));
    }
}
