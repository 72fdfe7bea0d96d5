using TurboDiffusion.Engine.Runtime;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Attention;

/// <summary>
/// SageSLA: the sparse branch on int8 Q/K and fp8 (e4m3) P/V tensor cores (<c>turbo_sagesla_*</c>), for bf16 CUDA
/// tensors with head dim 128 and block sizes that are multiples of 64 on a GPU with fp8 tensor cores (compute
/// capability 8.9+). One preparation pass quantizes Q and K per block (K minus its mean over the sequence) and V per
/// channel, and pools each block's mean as it goes, so <see cref="Attend"/> selects blocks from those means (a
/// [Mq, Mk] bf16 product and a top-k) without reading Q and K again.
/// <para>The arithmetic, written plainly, is <c>ReferenceSageSlaSparseBranch</c>'s; against exact attention it
/// costs what e4m3's 3-bit mantissa costs P and V.</para>
/// </summary>
public sealed class NativeSageSlaSparseBranch : ISlaSparseBranch
{
    /// <summary>The head dim the kernels are built for.</summary>
    public const int HeadDim = 128;

    public static NativeSageSlaSparseBranch Instance { get; } = new();

    public string Name => "sagesla";

    public Tensor Forward(Tensor q, Tensor k, Tensor v, Tensor lut, SlaOptions options)
    {
        using var scope = NewDisposeScope();
        using var operands = Quantize(q, k, v, options);
        return AttendSelected(operands, lut).MoveToOuterDisposeScope();
    }

    public (Tensor Lut, Tensor Sparse) Attend(Tensor q, Tensor k, Tensor v, SlaOptions options)
    {
        using var scope = NewDisposeScope();
        using var operands = Quantize(q, k, v, options);
        using var scores = operands.QueryPool.matmul(operands.KeyPool.transpose(-2, -1));
        var lut = SlaBlockSelection.TopBlocks(scores, options);
        var sparse = AttendSelected(operands, lut);
        return (lut.MoveToOuterDisposeScope(), sparse.MoveToOuterDisposeScope());
    }

    /// <summary>The preparation pass alone: q, k, v [B, L, H, 128] bf16 on CUDA → the kernel's operands.</summary>
    public static SageSlaOperands Quantize(Tensor q, Tensor k, Tensor v, SlaOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (q.device_type != DeviceType.CUDA || q.dtype != ScalarType.BFloat16 || k.dtype != ScalarType.BFloat16 || v.dtype != ScalarType.BFloat16)
        {
            throw new ArgumentException($"SageSLA takes bf16 CUDA tensors; got q {q.dtype}, k {k.dtype}, v {v.dtype} on {q.device}.");
        }

        var (qc, kc, vc) = (q.contiguous(), k.contiguous(), v.contiguous());
        var (b, lq, h, d) = (qc.shape[0], qc.shape[1], qc.shape[2], qc.shape[3]);
        var lk = kc.shape[1];
        var (mq, mk) = (SlaTiles.Count(lq, options.QueryBlock), SlaTiles.Count(lk, options.KeyBlock));
        var device = q.device;
        using var scope = NewDisposeScope();
        var operands = new SageSlaOperands(
            qc, lq, lk, options,
            QueryCodes: empty([b, h, mq * options.QueryBlock, d], ScalarType.Int8, device),
            QueryScale: empty([b, h, mq], ScalarType.Float32, device),
            QueryPool: empty([b, h, mq, d], ScalarType.BFloat16, device),
            KeyCodes: empty([b, h, mk * options.KeyBlock, d], ScalarType.Int8, device),
            KeyScale: empty([b, h, mk], ScalarType.Float32, device),
            KeyPool: empty([b, h, mk, d], ScalarType.BFloat16, device),
            ValueCodes: empty([b, h, d, mk * options.KeyBlock], ScalarType.Byte, device),
            ValueAbsMax: empty([b, h, d], ScalarType.Float32, device));
        using var keySum = empty([b, h, d], ScalarType.Float32, device);
        NativeKernels.SageSlaQuantize(
            TensorMemory.DataPointer(qc), TensorMemory.DataPointer(kc), TensorMemory.DataPointer(vc), (int)b, (int)h, (int)lq, (int)lk, (int)d,
            options.QueryBlock, options.KeyBlock, TensorMemory.DataPointer(operands.QueryCodes), TensorMemory.DataPointer(operands.QueryScale), TensorMemory.DataPointer(operands.QueryPool),
            TensorMemory.DataPointer(operands.KeyCodes), TensorMemory.DataPointer(operands.KeyScale), TensorMemory.DataPointer(operands.KeyPool), TensorMemory.DataPointer(operands.ValueCodes),
            TensorMemory.DataPointer(keySum), TensorMemory.DataPointer(operands.ValueAbsMax));
        return operands.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The sparse kernel alone over prepared operands and lut [B, H, Mq, T] → o_s [B, Lq, H, D],
    /// on <paramref name="path"/>'s tensor-core instructions (wgmma on Hopper, mma.sync elsewhere when Auto).
    /// </summary>
    public static Tensor AttendSelected(SageSlaOperands operands, Tensor lut, TensorCorePath path = TensorCorePath.Auto)
    {
        ArgumentNullException.ThrowIfNull(operands);
        ArgumentNullException.ThrowIfNull(lut);
        using var scope = NewDisposeScope();
        lut = lut.to(ScalarType.Int32).contiguous();
        var q = operands.Query;
        var output = empty_like(q);
        var (b, h) = (q.shape[0], q.shape[2]);
        NativeKernels.SageSlaSparseAttention(
            TensorMemory.DataPointer(operands.QueryCodes), TensorMemory.DataPointer(operands.QueryScale), TensorMemory.DataPointer(operands.KeyCodes), TensorMemory.DataPointer(operands.KeyScale),
            TensorMemory.DataPointer(operands.ValueCodes), TensorMemory.DataPointer(operands.ValueAbsMax), TensorMemory.DataPointer(lut), TensorMemory.DataPointer(output),
            (int)b, (int)h, (int)operands.Queries, (int)operands.Keys, HeadDim, operands.Options.QueryBlock, operands.Options.KeyBlock,
            (int)lut.shape[3], (float)(1 / Math.Sqrt(HeadDim)), path);
        return output.MoveToOuterDisposeScope();
    }
}

/// <summary>
/// SageSLA's quantized operands of one forward (shapes and layouts in native/include/turbo_kernels.h): int8 Q and K
/// codes with per-block scales, fp8 V^T codes with per-channel maxima, and the block means selection scores with.
/// </summary>
public sealed record SageSlaOperands(
    Tensor Query, long Queries, long Keys, SlaOptions Options,
    Tensor QueryCodes, Tensor QueryScale, Tensor QueryPool, Tensor KeyCodes, Tensor KeyScale, Tensor KeyPool, Tensor ValueCodes, Tensor ValueAbsMax)
    : IDisposable
{
    internal SageSlaOperands MoveToOuterDisposeScope() => this with
    {
        Query = Query.MoveToOuterDisposeScope(),
        QueryCodes = QueryCodes.MoveToOuterDisposeScope(),
        QueryScale = QueryScale.MoveToOuterDisposeScope(),
        QueryPool = QueryPool.MoveToOuterDisposeScope(),
        KeyCodes = KeyCodes.MoveToOuterDisposeScope(),
        KeyScale = KeyScale.MoveToOuterDisposeScope(),
        KeyPool = KeyPool.MoveToOuterDisposeScope(),
        ValueCodes = ValueCodes.MoveToOuterDisposeScope(),
        ValueAbsMax = ValueAbsMax.MoveToOuterDisposeScope(),
    };

    /// <summary>Frees the codes, scales and means; <see cref="Query"/> is the caller's input (or its contiguous copy).</summary>
    public void Dispose()
    {
        foreach (var tensor in new[] { QueryCodes, QueryScale, QueryPool, KeyCodes, KeyScale, KeyPool, ValueCodes, ValueAbsMax })
        {
            tensor.Dispose();
        }
    }
}
