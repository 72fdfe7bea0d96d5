using System.Runtime.InteropServices;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Runtime;

/// <summary>
/// Raw access to a tensor's storage, which TorchSharp's public API does not give for every dtype
/// (<c>storage&lt;T&gt;()</c> rejects bf16/f16). The pointer includes the storage offset.
/// </summary>
public static partial class TensorMemory
{
    public static IntPtr DataPointer(Tensor tensor) => THSTensor_data(tensor.Handle);

    /// <summary>The bytes of a contiguous CPU tensor, valid while the tensor lives.</summary>
    public static unsafe Span<byte> HostBytes(Tensor tensor, long offset, int length)
    {
        if (tensor.device_type != DeviceType.CPU || !tensor.is_contiguous())
        {
            throw new ArgumentException($"Expected a contiguous CPU tensor, got {tensor.device_type} (contiguous: {tensor.is_contiguous()}).", nameof(tensor));
        }

        return new Span<byte>((byte*)DataPointer(tensor) + offset, length);
    }

    [LibraryImport("LibTorchSharp")]
    private static partial IntPtr THSTensor_data(IntPtr handle);
}
