using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Sampling;

/// <summary>
/// Every draw from one CPU generator seeded once, as the reference does with its <c>--seed</c>, then moved to
/// <c>device</c>: the same seed gives the same latents on every device. (TorchSharp's generators are CPU
/// generators; the fixture's recorded noise also came from a CPU generator.)
/// </summary>
public sealed class SeededNoiseSource : IRestorableNoiseSource, IDisposable
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

    /// <summary>libtorch's CPU generator state: the Mersenne Twister's words and the cached normal draw.</summary>
    public byte[] SaveState()
    {
        using var state = generator.get_state();
        return state.bytes.ToArray();
    }

    public void RestoreState(ReadOnlySpan<byte> state)
    {
        var expected = SaveState().Length;
        if (state.Length != expected)
        {
            throw new ArgumentException($"A CPU generator state is {expected} bytes, got {state.Length}.", nameof(state));
        }

        using var restored = empty(state.Length, ScalarType.Byte);
        state.CopyTo(restored.bytes);
        generator.set_state(restored);
    }

    public void Dispose() => generator.Dispose();
}
