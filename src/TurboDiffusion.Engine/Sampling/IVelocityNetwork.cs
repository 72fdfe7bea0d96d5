using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Sampling;

/// <summary>
/// A flow-matching network as the sampler sees it: the velocity <c>v ≈ eps - x0</c> at one step.
/// Conditioning (text, image latents) is bound into the implementation.
/// </summary>
public interface IVelocityNetwork
{
    /// <param name="x">Sampler state <c>[B, C, T, H, W]</c> in float64; the network casts it to its own dtype.</param>
    /// <param name="timestep"><c>[B, 1]</c> bf16, the schedule's <c>bf16(t*1000)</c>.</param>
    /// <param name="stepIndex">Zero-based step index within the schedule.</param>
    /// <returns>The velocity, shaped like <paramref name="x"/>, in any floating dtype.</returns>
    Tensor Velocity(Tensor x, Tensor timestep, int stepIndex);
}
