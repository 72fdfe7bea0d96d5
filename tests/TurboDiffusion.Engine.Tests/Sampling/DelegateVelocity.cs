using TurboDiffusion.Engine.Sampling;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Tests.Sampling;

internal sealed class DelegateVelocity(Func<Tensor, Tensor, int, Tensor> velocity) : IVelocityNetwork
{
    public int Calls { get; private set; }

    public Tensor Velocity(Tensor x, Tensor timestep, int stepIndex)
    {
        Calls++;
        return velocity(x, timestep, stepIndex);
    }
}
