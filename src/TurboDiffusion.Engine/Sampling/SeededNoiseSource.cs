using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Sampling;

/// <summary>
/// Every draw from one CPU generator seeded once, as the reference does with its <c>--seed</c>, then moved to
/// <c>device</c>: the same seed gives the same latents on every device. (TorchSharp's generators are CPU
/// generators; the fixture's recorded noise also came from a CPU generator.)
/// </summary>
public sealed class SeededNoiseSource : INoiseSource, IDisposable
{
    private readonly Generator generator;
    private readonly Device device;

    public SeededNoiseSource(ulong seed, Device? device = null)
    {
        this.device = device ?? CPU;
        generator = new Generator(seed);
    }

    public Tensor Draw(long[] shape)
    {
        var drawn = randn(shape, ScalarType.Float32, generator: generator);
        if (device.type == DeviceType.CPU)
        {
            return drawn;
        }

        using (drawn)
        {
            return drawn.to(device);
        }
    }

    public void Dispose() => generator.Dispose();
}
