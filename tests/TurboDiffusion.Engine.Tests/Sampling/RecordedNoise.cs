using TurboDiffusion.Engine.Sampling;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Tests.Sampling;

/// <summary>The fixture's noise, in the order the reference drew it: the initial latent, then one per step.</summary>
internal sealed class RecordedNoise(Tensor initial, Tensor perStep) : INoiseSource, IDisposable
{
    public int Draws { get; private set; }

    public Tensor Draw(long[] shape)
    {
        if (Draws > perStep.shape[0])
        {
            throw new InvalidOperationException($"Draw {Draws + 1} asked for, but the fixture recorded 1 initial and {perStep.shape[0]} step draws.");
        }

        var eps = Draws == 0 ? initial.clone() : perStep[Draws - 1].clone();
        Draws++;
        Assert.Equal(shape, eps.shape);
        return eps;
    }

    public void Dispose()
    {
        initial.Dispose();
        perStep.Dispose();
    }
}
