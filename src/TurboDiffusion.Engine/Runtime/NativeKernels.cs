using System.Runtime.InteropServices;

namespace TurboDiffusion.Engine.Runtime;

/// <summary>
/// <c>libturbo_kernels.so</c> (built from <c>native/</c>), loaded once: the library is found where
/// <see cref="NativeKernelLibrary"/> looks, its ABI version checked, its entry points (<see cref="NativeKernelsInterop"/>)
/// bound. When it is absent or incompatible the engine runs its TorchSharp reference paths; <see cref="Status"/> says
/// which and why.
/// </summary>
public static class NativeKernels
{
    /// <summary>The ABI this engine speaks (TURBO_KERNELS_ABI_VERSION in native/include/turbo_kernels.h).</summary>
    public const int AbiVersion = 3;

    private static bool available;
    private static string status = "not loaded: the engine runtime has not started";

    /// <summary>Whether the kernels are usable in this process (bound when <see cref="TorchRuntime"/> loads).</summary>
    public static bool Available => available;

    /// <summary>One line for logs and <c>turbo doctor</c>: the library, its architectures, or why the reference path runs.</summary>
    public static string Status => status;

    /// <summary>Binds the library once, with the runtime's options; called by <see cref="TorchRuntime"/>.</summary>
    internal static void Initialize(TorchRuntimeOptions options) => available = Bind(options);

    /// <summary>turbo_sla_sparse_attention_bf16 (see the header for the contract); throws with the library's message on failure.</summary>
    internal static void SlaSparseAttention(
        IntPtr q, IntPtr k, IntPtr v, IntPtr lut, IntPtr output, int batch, int heads, int queries, int keys, int headDim,
        int blockQ, int blockK, int topK, float scale)
    {
        Require();
        Check(NativeKernelsInterop.SlaSparseAttention(q, k, v, lut, output, batch, heads, queries, keys, headDim, blockQ, blockK, topK, scale, DefaultStream));
    }

    /// <summary>turbo_sagesla_quantize_bf16: q, k, v [B, L, H, 128] bf16 → the SageSLA operands (see the header for each buffer).</summary>
    internal static void SageSlaQuantize(
        IntPtr q, IntPtr k, IntPtr v, int batch, int heads, int queries, int keys, int headDim, int blockQ, int blockK,
        IntPtr queryCodes, IntPtr queryScale, IntPtr queryPool, IntPtr keyCodes, IntPtr keyScale, IntPtr keyPool, IntPtr valueCodes,
        IntPtr keySum, IntPtr valueAbsMax)
    {
        Require();
        Check(NativeKernelsInterop.SageSlaQuantize(
            q, k, v, batch, heads, queries, keys, headDim, blockQ, blockK, queryCodes, queryScale, queryPool, keyCodes, keyScale, keyPool,
            valueCodes, keySum, valueAbsMax, DefaultStream));
    }

    /// <summary>turbo_sagesla_sparse_attention_path over the operands <see cref="SageSlaQuantize"/> wrote; output [B, Lq, H, 128] bf16.</summary>
    internal static void SageSlaSparseAttention(
        IntPtr queryCodes, IntPtr queryScale, IntPtr keyCodes, IntPtr keyScale, IntPtr valueCodes, IntPtr valueAbsMax, IntPtr lut, IntPtr output,
        int batch, int heads, int queries, int keys, int headDim, int blockQ, int blockK, int topK, float scale, TensorCorePath path)
    {
        Require();
        Check(NativeKernelsInterop.SageSlaSparseAttention(
            queryCodes, queryScale, keyCodes, keyScale, valueCodes, valueAbsMax, lut, output, batch, heads, queries, keys, headDim,
            blockQ, blockK, topK, scale, path, DefaultStream));
    }

    /// <summary>turbo_layer_norm_modulate_f32_bf16: LayerNorm (optionally affine) and adaLN modulation, fp32 in, bf16 out.</summary>
    internal static void LayerNormModulate(
        IntPtr x, IntPtr output, int rows, int dim, IntPtr weight, IntPtr bias, float eps, IntPtr shift, IntPtr scale, int rowsPerBatch, long modulationBatchStride)
    {
        Require();
        Check(NativeKernelsInterop.LayerNormModulate(x, output, rows, dim, weight, bias, eps, shift, scale, rowsPerBatch, modulationBatchStride, DefaultStream));
    }

    /// <summary>turbo_rms_norm_rope_bf16: RMSNorm over the hidden dim, then RoPE per head (none when cos and sin are <see cref="IntPtr.Zero"/>).</summary>
    internal static void RmsNormRope(IntPtr x, IntPtr output, int batch, int seq, int dim, int heads, IntPtr weight, float eps, IntPtr cos, IntPtr sin)
    {
        Require();
        Check(NativeKernelsInterop.RmsNormRope(x, output, batch, seq, dim, heads, weight, eps, cos, sin, DefaultStream));
    }

    /// <summary>turbo_gated_residual_f32: x + y · gate (x + y when gate is <see cref="IntPtr.Zero"/>), fp32 stream, bf16 y.</summary>
    internal static void GatedResidual(IntPtr x, IntPtr y, IntPtr gate, IntPtr output, int rows, int dim, int rowsPerBatch, long gateBatchStride)
    {
        Require();
        Check(NativeKernelsInterop.GatedResidual(x, y, gate, output, rows, dim, rowsPerBatch, gateBatchStride, DefaultStream));
    }

    /// <summary>turbo_sla_linear_state_bf16: kv [B, H, D, D] and ksum [B, H, D] fp32 of k, v [B, L, H, D] bf16.</summary>
    internal static void SlaLinearState(IntPtr k, IntPtr v, IntPtr keyValue, IntPtr keySum, int batch, int heads, int keys, int headDim)
    {
        Require();
        Check(NativeKernelsInterop.SlaLinearState(k, v, keyValue, keySum, batch, heads, keys, headDim, DefaultStream));
    }

    /// <summary>turbo_sla_linear_combine_bf16: o = o_s + proj_l(o_l) [B, L, H, D] bf16 from q, the state and proj_l.</summary>
    internal static void SlaLinearCombine(
        IntPtr q, IntPtr keyValue, IntPtr keySum, IntPtr weight, IntPtr bias, IntPtr sparse, IntPtr output, int batch, int heads, int queries, int headDim)
    {
        Require();
        Check(NativeKernelsInterop.SlaLinearCombine(q, keyValue, keySum, weight, bias, sparse, output, batch, heads, queries, headDim, DefaultStream));
    }

    /// <summary>turbo_int8_quantize_bf16: x [rows, cols] bf16 → int8 codes and fp32 scales per 128x128 tile, as the official quant kernel.</summary>
    internal static void Int8Quantize(IntPtr x, IntPtr codes, IntPtr scale, int rows, int cols)
    {
        Require();
        Check(NativeKernelsInterop.Int8Quantize(x, codes, scale, rows, cols, DefaultStream));
    }

    /// <summary>turbo_int8_linear_path_bf16: out [m, n] bf16 = the W8A8 GEMM of int8 x [m, k] and w [n, k] with their tile scales, plus bias.</summary>
    internal static void Int8Linear(IntPtr x, IntPtr xScale, IntPtr w, IntPtr wScale, IntPtr bias, IntPtr output, int m, int n, int k, TensorCorePath path)
    {
        Require();
        Check(NativeKernelsInterop.Int8Linear(x, xScale, w, wScale, bias, output, m, n, k, path, DefaultStream));
    }

    // Every entry runs on stream 0: TorchSharp runs every op on the legacy default stream, so a kernel orders after the
    // ops that wrote its inputs and before those that read its output.
    private static IntPtr DefaultStream => IntPtr.Zero;

    private static void Require()
    {
        if (!available)
        {
            throw new InvalidOperationException($"Native kernels are not available: {status}");
        }
    }

    private static void Check(int result)
    {
        if (result != 0)
        {
            throw new InvalidOperationException(
                $"{NativeKernelLibrary.FileName}: {Marshal.PtrToStringUTF8(NativeKernelsInterop.LastError()) ?? "unknown error"} (status {result}).");
        }
    }

    private static bool Bind(TorchRuntimeOptions options)
    {
        var search = NativeKernelLibrary.Locate(options);
        if (search.Path is not { } path)
        {
            status = $"{NativeKernelLibrary.FileName} not found (looked at {string.Join(", ", search.Searched)}): using the TorchSharp reference kernels";
            return false;
        }

        if (!NativeLibrary.TryLoad(path, out var handle))
        {
            status = $"{path} did not load (missing CUDA runtime or wrong architecture?): using the TorchSharp reference kernels";
            return false;
        }

        NativeKernelsInterop.Use(handle);
        var version = NativeKernelsInterop.AbiVersion();
        if (version != AbiVersion)
        {
            status = $"{path} speaks ABI {version}, this engine {AbiVersion}: rebuild native/ from this source; using the TorchSharp reference kernels";
            return false;
        }

        var architectures = Marshal.PtrToStringUTF8(NativeKernelsInterop.Architectures());
        status = $"{path} (ABI {version}, {architectures})";
        NativeKernelsInterop.ResolveAll();
        return true;
    }
}
