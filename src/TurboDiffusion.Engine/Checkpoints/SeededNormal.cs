using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Checkpoints;

/// <summary>
/// Standard normal fp32 draws from a per-tensor seed, for the random-weight checkpoints. TorchSharp's
/// <see cref="Generator"/> is CPU-only, so on CUDA the device's default generator is reseeded instead:
/// drawing there keeps a 14B model's weights off the CPU. CPU and CUDA draws differ.
/// </summary>
public static class SeededNormal
{
    public static Tensor Draw(long[] shape, ulong seed, Device device)
    {
        if (device.type == DeviceType.CUDA)
        {
            cuda.manual_seed(unchecked((long)seed));
            return randn(shape, ScalarType.Float32, device);
        }

        using var generator = new Generator(seed);
        return randn(shape, ScalarType.Float32, device, generator: generator);
    }
}
