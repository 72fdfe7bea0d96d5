using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Sampling;

/// <summary>Standard normal fp32 noise, drawn in sequence: the initial latent, then one draw per SDE step.</summary>
public interface INoiseSource
{
    /// <summary>The next draw, of <paramref name="shape"/>, on the source's device.</summary>
    Tensor Draw(long[] shape);
}
