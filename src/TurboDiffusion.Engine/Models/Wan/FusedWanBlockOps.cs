using TurboDiffusion.Engine.Runtime;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Models.Wan;

/// <summary>
/// The block's elementwise glue on the fused native kernels (turbo_layer_norm_modulate_f32_bf16,
/// turbo_rms_norm_rope_bf16, turbo_gated_residual_f32 in native/include/turbo_kernels.h): bf16 inference on CUDA,
/// residual stream and modulation fp32, projections bf16. Each op reads its inputs and writes its output once where
/// the reference runs a libtorch kernel per step, and rounds where the reference does. The modulation's [B, 1, D]
/// chunks go to the kernels as strided views of the [B, 6, D] sum, uncopied.
/// </summary>
internal sealed class FusedWanBlockOps : IWanBlockOps
{
    // The kernels' limits (turbo_kernels.h): rows move as 8-element vectors, at most 16384 per row, and a rotated
    // chunk must not straddle two heads.
    private const long VectorWidth = 8;
    private const long MaxDim = 16384;

    public static FusedWanBlockOps Instance { get; } = new();

    public string Name => "fused";

    /// <summary>Whether the kernels serve this model: library loaded, CUDA, fp32 stream with bf16 compute, D and head dim within their limits.</summary>
    public static bool CanRun(WanConfig config, WanPrecision precision, Device device) =>
        NativeKernels.Available && device.type == DeviceType.CUDA &&
        precision.Stream == ScalarType.Float32 && precision.Compute == ScalarType.BFloat16 &&
        config.Dim % VectorWidth == 0 && config.Dim <= MaxDim && config.HeadDim % VectorWidth == 0;

    /// <summary>As <see cref="IWanBlockOps.LayerNormModulate"/>; returns bf16.</summary>
    public Tensor LayerNormModulate(WanLayerNorm norm, Tensor x, Tensor? shift = null, Tensor? scale = null)
    {
        using var scope = NewDisposeScope();
        var (b, l, d) = Rows(x, ScalarType.Float32, "LayerNormModulate x");
        CheckParameter(norm.Weight, d, "norm weight");
        CheckParameter(norm.Bias, d, "norm bias");
        var (shiftRows, shiftStride) = PerBatch(shift, b, d, "shift");
        var (scaleRows, scaleStride) = PerBatch(scale, b, d, "scale");
        if (shiftRows is not null && scaleRows is not null && shiftStride != scaleStride)
        {
            throw new ArgumentException(
                $"FusedWanBlockOps.LayerNormModulate: shift and scale must be chunks of one [B, 6, D] modulation (one batch stride), got strides {shiftStride} and {scaleStride}.");
        }

        var input = x.contiguous();
        var output = empty([b, l, d], ScalarType.BFloat16, x.device);
        NativeKernels.LayerNormModulate(
            Pointer(input), Pointer(output), checked((int)(b * l)), (int)d, Pointer(norm.Weight), Pointer(norm.Bias), (float)norm.Eps,
            Pointer(shiftRows), Pointer(scaleRows), (int)l, shiftRows is null ? scaleStride : shiftStride);
        return output.MoveToOuterDisposeScope();
    }

    public Tensor RmsNormRope(WanRmsNorm norm, Tensor x, long heads, RopeTable? rope = null)
    {
        using var scope = NewDisposeScope();
        var (b, l, d) = Rows(x, ScalarType.BFloat16, "RmsNormRope x");
        CheckParameter(norm.Weight, d, "norm weight");
        if (rope is not null)
        {
            long[] table = [1, l, 1, d / heads / 2];
            foreach (var (part, name) in new[] { (rope.Cos, "cos"), (rope.Sin, "sin") })
            {
                if (!part.shape.SequenceEqual(table) || part.dtype != ScalarType.Float32 || !part.is_contiguous() || part.device_type != DeviceType.CUDA)
                {
                    throw new ArgumentException(
                        $"FusedWanBlockOps.RmsNormRope: the RoPE {name} table must be a contiguous float32 [{string.Join(", ", table)}] on CUDA for these tokens, got {part.dtype} [{string.Join(", ", part.shape)}] on {part.device}.");
                }
            }
        }

        var input = x.contiguous();
        var output = empty_like(input);
        NativeKernels.RmsNormRope(
            Pointer(input), Pointer(output), (int)b, (int)l, (int)d, (int)heads, Pointer(norm.Weight), (float)norm.Eps, Pointer(rope?.Cos), Pointer(rope?.Sin));
        return output.view(b, l, heads, d / heads).MoveToOuterDisposeScope();
    }

    public void GatedResidualInPlace(Tensor x, Tensor y, Tensor? gate = null)
    {
        using var scope = NewDisposeScope();
        var (b, l, d) = Rows(x, ScalarType.Float32, "GatedResidualInPlace x");
        if (!x.is_contiguous())
        {
            throw new ArgumentException($"FusedWanBlockOps.GatedResidualInPlace: x must be contiguous to be updated in place, got strides [{string.Join(", ", x.stride())}].");
        }

        if (!Rows(y, ScalarType.BFloat16, "GatedResidualInPlace y").Equals((b, l, d)))
        {
            throw new ArgumentException($"FusedWanBlockOps.GatedResidualInPlace: y [{string.Join(", ", y.shape)}] must match x [{b}, {l}, {d}].");
        }

        var (gateRows, stride) = PerBatch(gate, b, d, "gate");
        var update = y.contiguous();
        // Each thread reads its 8 elements of x before writing them back: x may be input and output at once.
        NativeKernels.GatedResidual(Pointer(x), Pointer(update), Pointer(gateRows), Pointer(x), checked((int)(b * l)), (int)d, (int)l, stride);
    }

    private static IntPtr Pointer(Tensor? tensor) => tensor is null ? IntPtr.Zero : TensorMemory.DataPointer(tensor);

    private static (long B, long L, long D) Rows(Tensor x, ScalarType type, string what)
    {
        if (x.dim() != 3 || x.dtype != type || x.device_type != DeviceType.CUDA)
        {
            throw new ArgumentException($"FusedWanBlockOps: {what} must be a [B, L, D] {type} CUDA tensor, got {x.dtype} [{string.Join(", ", x.shape)}] on {x.device}.");
        }

        return (x.shape[0], x.shape[1], x.shape[2]);
    }

    private static void CheckParameter(Tensor? parameter, long dim, string what)
    {
        if (parameter is not null && (!parameter.shape.SequenceEqual([dim]) || parameter.dtype != ScalarType.Float32 || !parameter.is_contiguous() ||
            parameter.device_type != DeviceType.CUDA))
        {
            throw new ArgumentException(
                $"FusedWanBlockOps: the {what} must be a contiguous float32 [{dim}] on CUDA, got {parameter.dtype} [{string.Join(", ", parameter.shape)}] on {parameter.device}.");
        }
    }

    // A modulation chunk [B or 1, 1, D] as the kernels index it: unit stride along D and a batch stride (0 when one
    // row serves every batch). The chunks of a contiguous [B, 6, D] sum are such views as they are.
    private static (Tensor? Rows, long Stride) PerBatch(Tensor? chunk, long batch, long dim, string what)
    {
        if (chunk is null)
        {
            return (null, 0);
        }

        if (chunk.dim() != 3 || (chunk.shape[0] != batch && chunk.shape[0] != 1) || chunk.shape[1] != 1 || chunk.shape[2] != dim ||
            chunk.dtype != ScalarType.Float32 || chunk.stride(2) != 1 || chunk.device_type != DeviceType.CUDA)
        {
            throw new ArgumentException(
                $"FusedWanBlockOps: the {what} must be a float32 [{batch} or 1, 1, {dim}] on CUDA with unit stride along D, got {chunk.dtype} [{string.Join(", ", chunk.shape)}] strides [{string.Join(", ", chunk.stride())}] on {chunk.device}.");
        }

        return (chunk, chunk.shape[0] == 1 ? 0 : chunk.stride(0));
    }
}
