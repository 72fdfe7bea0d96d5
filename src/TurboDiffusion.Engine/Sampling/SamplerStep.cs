using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Sampling;

/// <summary>The sampler between two steps: what it needs to go on from there.</summary>
/// <param name="StepsDone">Steps finished; the next step to run has this index.</param>
/// <param name="State">x <c>[B, C, T, H, W]</c> in float64. Handed out after a step, it is the sampler's own tensor and valid only during the call: copy what you keep.</param>
/// <param name="NoiseState">The noise source's state after the finished step's draw (<see cref="IRestorableNoiseSource.SaveState"/>).</param>
public readonly record struct SamplerStep(int StepsDone, Tensor State, byte[] NoiseState);
