using TurboDiffusion.Engine.Sampling;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Tests.Sampling;

/// <summary>
/// Keeps what the sampler hands a network. The state given at step k is the state after step k-1,
/// so a run's whole trajectory is these states plus the returned one.
/// </summary>
internal sealed class RecordingNetwork(IVelocityNetwork inner) : IVelocityNetwork, IDisposable
{
    public List<Tensor> States { get; } = [];

    public List<Tensor> Timesteps { get; } = [];

    public Tensor Velocity(Tensor x, Tensor timestep, int stepIndex)
    {
        States.Add(x.clone().DetachFromDisposeScope());
        Timesteps.Add(timestep.clone().DetachFromDisposeScope());
        return inner.Velocity(x, timestep, stepIndex);
    }

    public void Dispose()
    {
        States.ForEach(state => state.Dispose());
        Timesteps.ForEach(timestep => timestep.Dispose());
    }
}
