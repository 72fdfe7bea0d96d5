using TurboDiffusion.Engine.Sampling;
using TurboDiffusion.Engine.Tests.Fixtures;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Tests.Sampling;

/// <summary>What the fixture's toy network reads.</summary>
internal enum ToyInputs
{
    /// <summary><c>v = a·x − b·t</c> on the float64 state and the schedule's float64 t.</summary>
    Exact,

    /// <summary><c>v = a·double(bf16(x)) − b·(timestep/1000)</c>: what a bf16 network receives.</summary>
    NetworkInputs,
}

/// <summary>The fixture's stand-in for a DiT, <c>v = a·x − b·t</c>; it remembers which steps it served.</summary>
internal sealed class ToyVelocity(ToyExpert coefficients, ToyInputs inputs, RcmSchedule schedule) : IVelocityNetwork
{
    private readonly double a = coefficients.A;
    private readonly double b = coefficients.B;

    /// <summary>One per expert the fixture gives coefficients for, from the highest noise level down; the first also serves T2V.</summary>
    public static IReadOnlyList<ToyVelocity> Experts(ToyInputs inputs, RcmSchedule schedule) =>
        [.. RcmSamplerFixture.Settings().ToyExperts.Select(coefficients => new ToyVelocity(coefficients, inputs, schedule))];

    public List<int> Steps { get; } = [];

    public Tensor Velocity(Tensor x, Tensor timestep, int stepIndex)
    {
        Steps.Add(stepIndex);
        if (inputs == ToyInputs.Exact)
        {
            return x * a - b * schedule.Times[stepIndex];
        }

        var t = timestep.to(ScalarType.Float64).reshape(timestep.shape[0], 1, 1, 1, 1);
        return x.to(ScalarType.BFloat16).to(ScalarType.Float64) * a - t / 1000 * b;
    }
}
