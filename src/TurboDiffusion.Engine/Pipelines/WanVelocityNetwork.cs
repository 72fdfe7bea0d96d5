using TurboDiffusion.Engine.Models.Wan;
using TurboDiffusion.Engine.Sampling;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Pipelines;

/// <summary>
/// A Wan DiT bound to one prompt (and, for image-to-video, its 20 conditioning channels) as the sampler's
/// network: float64 sampler state in, the model's velocity out.
/// </summary>
/// <param name="y">I2V conditioning [B, 20, T, H, W] (4 mask + 16 image-latent channels); null for T2V.</param>
public sealed class WanVelocityNetwork(WanModel model, WanTextContext context, Tensor? y = null) : IVelocityNetwork
{
    public Tensor Velocity(Tensor x, Tensor timestep, int stepIndex)
    {
        using var scope = NewDisposeScope();
        var input = x.to(model.Precision.Compute);
        var t = timestep.reshape(timestep.shape[0]);
        return model.Forward(input, t, context, y).MoveToOuterDisposeScope();
    }
}
