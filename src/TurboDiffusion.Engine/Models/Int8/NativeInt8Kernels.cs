using TurboDiffusion.Engine.Runtime;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Models.Int8;

/// <summary>
/// The W8A8 linear on the native kernels (turbo_int8_quantize_bf16 and turbo_int8_linear_path_bf16 in
/// native/include/turbo_kernels.h): the activation's tile quantization, then the int8 GEMM with the per-K-tile rescale
/// in registers, the bf16 rounding and the bias in its epilogue. Bit for bit the result of the TorchSharp reference
/// (<see cref="BlockwiseInt8"/> and <see cref="Int8Gemm"/>), which serves every other device.
/// </summary>
public static class NativeInt8Kernels
{
    // The GEMM stores output columns in pairs from 8-column fragments.
    private const long OutputColumnMultiple = 8;

    /// <summary>Whether the kernels serve a linear of <paramref name="outFeatures"/> outputs on <paramref name="device"/>.</summary>
    public static bool CanRun(Device device, long outFeatures) =>
        NativeKernels.Available && device.type == DeviceType.CUDA && outFeatures % OutputColumnMultiple == 0;

    /// <summary>x bf16 [rows, K] on CUDA → int8 [rows, K] and fp32 scales [⌈rows/128⌉, ⌈K/128⌉], as <see cref="BlockwiseInt8.Quantize"/>.</summary>
    public static (Tensor Values, Tensor Scale) Quantize(Tensor x)
    {
        var rows = Contiguous(x, ScalarType.BFloat16, "x");
        var values = empty(rows.shape, ScalarType.Int8, rows.device);
        var scale = empty([BlockwiseInt8.Tiles(rows.shape[0]), BlockwiseInt8.Tiles(rows.shape[1])], ScalarType.Float32, rows.device);
        NativeKernels.Int8Quantize(
            TensorMemory.DataPointer(rows), TensorMemory.DataPointer(values), TensorMemory.DataPointer(scale),
            checked((int)rows.shape[0]), checked((int)rows.shape[1]));
        GC.KeepAlive(rows);
        return (values, scale);
    }

    /// <summary>x bf16 [M, K] → bf16 [M, N] = bf16(bf16(acc) + bias) for int8 <paramref name="weight"/> [N, K] and its scales.</summary>
    public static Tensor Linear(Tensor x, Tensor weight, Tensor weightScale, Tensor? bias, TensorCorePath path = TensorCorePath.Auto)
    {
        using var scope = NewDisposeScope();
        var (values, scale) = Quantize(x);
        return Gemm(values, scale, weight, weightScale, bias, path).MoveToOuterDisposeScope();
    }

    /// <summary>The GEMM alone, over an activation <see cref="Quantize"/> already turned into int8 <paramref name="values"/> [M, K] and its scales.</summary>
    public static Tensor Gemm(Tensor values, Tensor scale, Tensor weight, Tensor weightScale, Tensor? bias, TensorCorePath path = TensorCorePath.Auto)
    {
        using var scope = NewDisposeScope();
        var output = empty([values.shape[0], weight.shape[0]], ScalarType.BFloat16, values.device);
        NativeKernels.Int8Linear(
            Pointer(values, ScalarType.Int8, "x"), Pointer(scale, ScalarType.Float32, "x scale"),
            Pointer(weight, ScalarType.Int8, "weight"), Pointer(weightScale, ScalarType.Float32, "weight scale"),
            bias is null ? IntPtr.Zero : Pointer(bias, ScalarType.BFloat16, "bias"),
            TensorMemory.DataPointer(output), checked((int)values.shape[0]), checked((int)weight.shape[0]), checked((int)values.shape[1]), path);
        return output.MoveToOuterDisposeScope();
    }

    private static IntPtr Pointer(Tensor tensor, ScalarType type, string what) => TensorMemory.DataPointer(Contiguous(tensor, type, what));

    // The kernels read raw memory: each operand must already be what they expect, on the device, densely laid out.
    private static Tensor Contiguous(Tensor tensor, ScalarType type, string what)
    {
        if (tensor.dtype != type || tensor.device.type != DeviceType.CUDA)
        {
            throw new ArgumentException($"the native int8 linear takes {what} as {type} on CUDA, got {tensor.dtype} on {tensor.device}", what);
        }

        return tensor.is_contiguous() ? tensor : tensor.contiguous();
    }
}
