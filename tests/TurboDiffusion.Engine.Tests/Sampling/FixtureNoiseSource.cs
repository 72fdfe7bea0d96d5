using TurboDiffusion.Engine.Sampling;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Tests.Sampling;

/// <summary>Where a test takes the fixture's noise from.</summary>
public enum FixtureNoise
{
    /// <summary>The tensors <c>init_noise</c> and <c>step_noises</c>.</summary>
    Recorded,

    /// <summary>A CPU <see cref="SeededNoiseSource"/> with the manifest's seed.</summary>
    Seeded,
}

/// <summary>The fixture's noise from either place; both give the same draws.</summary>
internal sealed class FixtureNoiseSource : INoiseSource, IDisposable
{
    private readonly RecordedNoise? recorded;
    private readonly SeededNoiseSource? seeded;

    public FixtureNoiseSource(FixtureNoise noise)
    {
        if (noise == FixtureNoise.Recorded)
        {
            recorded = RcmSamplerFixture.RecordedNoise();
        }
        else
        {
            seeded = new SeededNoiseSource(RcmSamplerFixture.Seed());
        }
    }

    public Tensor Draw(long[] shape) => recorded?.Draw(shape) ?? seeded!.Draw(shape);

    public void Dispose()
    {
        recorded?.Dispose();
        seeded?.Dispose();
    }
}
