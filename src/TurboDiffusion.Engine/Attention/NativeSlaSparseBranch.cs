using TurboDiffusion.Engine.Runtime;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Attention;

/// <summary>
/// The sparse branch on the native block-sparse kernel (<c>turbo_sla_sparse_attention_bf16</c>): bf16 on CUDA,
/// head dim 128, block sizes multiples of 64. Anything else is refused with the reason.
/// </summary>
public sealed class NativeSlaSparseBranch : ISlaSparseBranch
{
    public static NativeSlaSparseBranch Instance { get; } = new();

    public string Name => "native";

    /// <summary>Whether the kernel serves attention computed in <paramref name="type"/> on <paramref name="device"/>: the library loaded, bf16 on CUDA.</summary>
    public static bool CanRun(Device device, ScalarType type) =>
        NativeKernels.Available && device.type == DeviceType.CUDA && type == ScalarType.BFloat16;

    public Tensor Forward(Tensor q, Tensor k, Tensor v, Tensor lut, SlaOptions options)
    {
        if (q.device_type != DeviceType.CUDA || q.dtype != ScalarType.BFloat16)
        {
            throw new ArgumentException($"The native SLA kernel takes bf16 CUDA tensors; got {q.dtype} on {q.device}.");
        }

        using var scope = NewDisposeScope();
        var (qc, kc, vc) = (q.contiguous(), k.contiguous(), v.contiguous());
        var table = lut.to(ScalarType.Int32).contiguous();
        var output = empty_like(qc);
        var (b, lq, h, d) = (qc.shape[0], qc.shape[1], qc.shape[2], qc.shape[3]);
        NativeKernels.SlaSparseAttention(
            TensorMemory.DataPointer(qc), TensorMemory.DataPointer(kc), TensorMemory.DataPointer(vc), TensorMemory.DataPointer(table),
            TensorMemory.DataPointer(output), (int)b, (int)h, (int)lq, (int)kc.shape[1], (int)d,
            options.QueryBlock, options.KeyBlock, (int)table.shape[3], (float)(1 / Math.Sqrt(d)));
        return output.MoveToOuterDisposeScope();
    }
}
