using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Sampling;

/// <summary>
/// Wan2.2 A14B: the high-noise expert runs until the first step whose rectified-flow time t is strictly
/// below the boundary, the low-noise expert from then on (t only falls, so the switch is final).
/// With the defaults (4 steps, sigma_max 200) steps 0-1 run high (t 0.995, 0.934), steps 2-3 low.
/// Build it from the schedule the sampler runs: the switch step is fixed from that schedule's times.
/// </summary>
public sealed class NoiseExpertPair : IVelocityNetwork
{
    public const double DefaultBoundary = 0.9;

    private readonly IVelocityNetwork highNoise;
    private readonly IVelocityNetwork lowNoise;
    private readonly int steps;

    public NoiseExpertPair(IVelocityNetwork highNoise, IVelocityNetwork lowNoise, RcmSchedule schedule, double boundary = DefaultBoundary)
    {
        ArgumentNullException.ThrowIfNull(highNoise);
        ArgumentNullException.ThrowIfNull(lowNoise);
        ArgumentNullException.ThrowIfNull(schedule);
        if (!(boundary is >= 0 and <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(boundary), boundary,
                $"The expert boundary is a rectified-flow time between 0 and 1 (default {DefaultBoundary}).");
        }

        this.highNoise = highNoise;
        this.lowNoise = lowNoise;
        steps = schedule.Steps;
        SwitchStep = schedule.FirstStepBelow(boundary);
    }

    /// <summary>The first step run by the low-noise expert, or -1 when every step runs the high-noise one.</summary>
    public int SwitchStep { get; }

    public NoiseExpert ExpertAt(int step)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(step);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(step, steps);
        return SwitchStep >= 0 && step >= SwitchStep ? NoiseExpert.LowNoise : NoiseExpert.HighNoise;
    }

    public Tensor Velocity(Tensor x, Tensor timestep, int stepIndex) =>
        (ExpertAt(stepIndex) == NoiseExpert.HighNoise ? highNoise : lowNoise).Velocity(x, timestep, stepIndex);
}
