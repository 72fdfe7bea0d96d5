using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Sampling;

/// <summary>
/// Networks that take turns by noise level, as Wan2.2 A14B's high- and low-noise experts: expert 0 runs until the first
/// step whose rectified-flow time t is strictly below boundary 0, expert 1 from then until t falls below boundary 1, and
/// so on (t only falls, so every switch is final). With one boundary at 0.9 and the defaults (4 steps, sigma_max 200)
/// steps 0-1 run the high-noise expert (t 0.995, 0.934), steps 2-3 the low-noise one.
/// Build it from the schedule the sampler runs: the switch steps are fixed from that schedule's times.
/// </summary>
public sealed class NoiseExperts : IVelocityNetwork
{
    /// <summary>Wan2.2 A14B's single switch from the high-noise to the low-noise expert.</summary>
    public static IReadOnlyList<double> DefaultBoundaries { get; } = [0.9];

    private readonly IVelocityNetwork[] experts;
    private readonly int steps;
    private readonly int[] switchSteps;

    /// <param name="experts">From the highest noise level down; one more than there are boundaries.</param>
    /// <param name="boundaries">Rectified-flow times in [0, 1], strictly falling; <see cref="DefaultBoundaries"/> when null.</param>
    /// <exception cref="ArgumentException">The counts do not fit, or a boundary is outside [0, 1] or out of order.</exception>
    public NoiseExperts(IReadOnlyList<IVelocityNetwork> experts, RcmSchedule schedule, IReadOnlyList<double>? boundaries = null)
    {
        ArgumentNullException.ThrowIfNull(experts);
        ArgumentNullException.ThrowIfNull(schedule);
        boundaries ??= DefaultBoundaries;
        if (boundaries.Any(b => !(b is >= 0 and <= 1)) || boundaries.Zip(boundaries.Skip(1)).Any(pair => pair.Second >= pair.First))
        {
            throw new ArgumentOutOfRangeException(nameof(boundaries), $"[{string.Join(", ", boundaries)}]",
                $"Expert boundaries are rectified-flow times between 0 and 1, strictly falling (default [{string.Join(", ", DefaultBoundaries)}]).");
        }

        if (experts.Count != boundaries.Count + 1 || experts.Any(e => e is null))
        {
            throw new ArgumentException($"{boundaries.Count} boundaries separate {boundaries.Count + 1} experts; got {experts.Count} networks.", nameof(experts));
        }

        this.experts = [.. experts];
        steps = schedule.Steps;
        switchSteps = [.. boundaries.Select(schedule.FirstStepBelow)];
    }

    /// <summary>Per boundary, the first step run by the expert after it, or -1 when no step gets past it.</summary>
    public IReadOnlyList<int> SwitchSteps => switchSteps;

    /// <summary>The index of the expert that runs <paramref name="step"/>, 0 for the highest noise level.</summary>
    public int ExpertAt(int step)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(step);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(step, steps);
        return switchSteps.Count(switchStep => switchStep >= 0 && step >= switchStep);
    }

    public Tensor Velocity(Tensor x, Tensor timestep, int stepIndex) => experts[ExpertAt(stepIndex)].Velocity(x, timestep, stepIndex);
}
