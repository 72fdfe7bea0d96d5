using TurboDiffusion.Engine.Runtime;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Attention;

/// <summary>
/// The linear branch, proj_l and the sum with o_s on the native kernels: <c>turbo_sla_linear_state_bf16</c> reduces
/// k, v to kv [B, H, D, D] and ksum [B, H, D] in fp32, <c>turbo_sla_linear_combine_bf16</c> writes
/// o = o_s + proj_l(φ(q) kv / (1e-5 + φ(q) · ksum)) [B, Lq, H, D] in one pass over the queries. bf16 on CUDA, head dim
/// 128; anything else is refused with the reason. Keeps fp32 between the bf16 operands where the reference rounds
/// after every op, so it is the more accurate of the two.
/// </summary>
public sealed class NativeSlaLinearBranch : ISlaLinearBranch
{
    /// <summary>The head dim the kernels are built for.</summary>
    public const int HeadDim = 128;

    public static NativeSlaLinearBranch Instance { get; } = new();

    public string Name => "native";

    /// <summary>Whether the kernels serve attention computed in <paramref name="type"/> on <paramref name="device"/> with <paramref name="headDim"/>: the library loaded, bf16 on CUDA, head dim 128.</summary>
    public static bool CanRun(Device device, ScalarType type, long headDim) =>
        NativeKernels.Available && device.type == DeviceType.CUDA && type == ScalarType.BFloat16 && headDim == HeadDim;

    public Tensor Combine(Tensor q, Tensor k, Tensor v, Tensor sparse, Tensor weight, Tensor bias)
    {
        if (q.device_type != DeviceType.CUDA || q.dtype != ScalarType.BFloat16)
        {
            throw new ArgumentException($"The native SLA linear kernels take bf16 CUDA tensors; got {q.dtype} on {q.device}.");
        }

        AttentionShapes.Check(q, k, v, "native SLA linear");
        if (q.shape[3] != HeadDim)
        {
            throw new ArgumentException($"The native SLA linear kernels need head dim {HeadDim}; got q [{string.Join(", ", q.shape)}].");
        }

        // The kernels read these by raw pointer: a wrong shape would read past the tensors.
        if (!sparse.shape.SequenceEqual(q.shape) || sparse.dtype != q.dtype
            || !weight.shape.SequenceEqual([HeadDim, HeadDim]) || !bias.shape.SequenceEqual([HeadDim]))
        {
            throw new ArgumentException(
                $"The native SLA linear kernels need o_s [B, Lq, H, D] in q's dtype, weight [{HeadDim}, {HeadDim}] and bias [{HeadDim}]; got o_s {sparse.dtype} [{string.Join(", ", sparse.shape)}], weight [{string.Join(", ", weight.shape)}], bias [{string.Join(", ", bias.shape)}] for q [{string.Join(", ", q.shape)}].");
        }

        using var scope = NewDisposeScope();
        var (qc, kc, vc) = (q.contiguous(), k.contiguous(), v.contiguous());

        // Free when o_s is a native sparse kernel's output, which is contiguous already.
        var sparseRows = sparse.contiguous();
        var (w, b) = (weight.to(ScalarType.BFloat16, q.device).contiguous(), bias.to(ScalarType.BFloat16, q.device).contiguous());
        var (batch, queries, heads, d) = (qc.shape[0], qc.shape[1], qc.shape[2], qc.shape[3]);
        var keyValue = empty([batch, heads, d, d], ScalarType.Float32, q.device);
        var keySum = empty([batch, heads, d], ScalarType.Float32, q.device);
        NativeKernels.SlaLinearState(
            TensorMemory.DataPointer(kc), TensorMemory.DataPointer(vc), TensorMemory.DataPointer(keyValue), TensorMemory.DataPointer(keySum),
            (int)batch, (int)heads, (int)kc.shape[1], (int)d);

        var output = empty_like(qc);
        NativeKernels.SlaLinearCombine(
            TensorMemory.DataPointer(qc), TensorMemory.DataPointer(keyValue), TensorMemory.DataPointer(keySum), TensorMemory.DataPointer(w),
            TensorMemory.DataPointer(b), TensorMemory.DataPointer(sparseRows), TensorMemory.DataPointer(output), (int)batch, (int)heads, (int)queries, (int)d);
        return output.MoveToOuterDisposeScope();
    }
}
