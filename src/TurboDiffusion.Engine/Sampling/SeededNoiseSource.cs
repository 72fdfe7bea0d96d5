using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Sampling;

/// <summary>
/// Every draw from one generator seeded once, as the reference does with its <c>--seed</c>: the same seed
/// and device give the same sequence of latents. CPU and CUDA generators produce different sequences.
/// </summary>
public sealed class SeededNoiseSource : INoiseSource, IDisposable
{
    private readonly Generator generator;
    private readonly Device device;

    public SeededNoiseSource(ulong seed, Device? device = null)
    {
        this.device = device ?? CPU;
        generator = new Generator(seed, this.device);
    }

    public Tensor Draw(long[] shape) => randn(shape, ScalarType.Float32, device, generator: generator);

    public void Dispose() => generator.Dispose();
}
