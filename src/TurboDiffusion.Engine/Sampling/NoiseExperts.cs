using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Sampling;

/// <summary>
/// Networks that take turns by noise level, as Wan2.2 A14B's high- and low-noise experts, each step run by the one
/// <see cref="ExpertSchedule"/> names. Build it from the schedule the sampler runs: the switch steps are fixed from that
/// schedule's times.
/// </summary>
public sealed class NoiseExperts : IVelocityNetwork
{
    /// <summary>Wan2.2 A14B's single switch from the high-noise to the low-noise expert.</summary>
    public static IReadOnlyList<double> DefaultBoundaries => ExpertSchedule.DefaultBoundaries;

    private readonly IVelocityNetwork[] experts;
    private readonly ExpertSchedule turns;

    /// <param name="experts">From the highest noise level down; one more than there are boundaries.</param>
    /// <param name="boundaries">Rectified-flow times in [0, 1], strictly falling; <see cref="DefaultBoundaries"/> when null.</param>
    /// <exception cref="ArgumentException">The counts do not fit, or a boundary is outside [0, 1] or out of order.</exception>
    public NoiseExperts(IReadOnlyList<IVelocityNetwork> experts, RcmSchedule schedule, IReadOnlyList<double>? boundaries = null)
    {
        ArgumentNullException.ThrowIfNull(experts);
        if (experts.Any(e => e is null))
        {
            throw new ArgumentException("Every expert needs a network.", nameof(experts));
        }

        turns = new ExpertSchedule(experts.Count, schedule, boundaries);
        this.experts = [.. experts];
    }

    /// <summary>Per boundary, the first step run by the expert after it, or -1 when no step gets past it.</summary>
    public IReadOnlyList<int> SwitchSteps => turns.SwitchSteps;

    /// <summary>The index of the expert that runs <paramref name="step"/>, 0 for the highest noise level.</summary>
    public int ExpertAt(int step) => turns.ExpertAt(step);

    public Tensor Velocity(Tensor x, Tensor timestep, int stepIndex) => experts[ExpertAt(stepIndex)].Velocity(x, timestep, stepIndex);
}
