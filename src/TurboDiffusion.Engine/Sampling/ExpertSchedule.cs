namespace TurboDiffusion.Engine.Sampling;

/// <summary>
/// Which expert of a set that takes turns by noise level (Wan2.2 A14B's high- and low-noise experts) runs each step of a
/// schedule: expert 0 until the first step whose rectified-flow time t is strictly below boundary 0, expert 1 from then
/// until t falls below boundary 1, and so on (t only falls, so every switch is final). With one boundary at 0.9 and the
/// defaults (4 steps, sigma_max 200) steps 0-1 run the high-noise expert (t 0.995, 0.934), steps 2-3 the low-noise one.
/// </summary>
public sealed class ExpertSchedule
{
    /// <summary>Wan2.2 A14B's single switch from the high-noise to the low-noise expert.</summary>
    public static IReadOnlyList<double> DefaultBoundaries { get; } = [0.9];

    private readonly int[] switchSteps;

    /// <param name="experts">How many experts take turns: one more than there are boundaries.</param>
    /// <param name="boundaries">Rectified-flow times in [0, 1], strictly falling; <see cref="DefaultBoundaries"/> when null.</param>
    /// <exception cref="ArgumentException">The counts do not fit, or a boundary is outside [0, 1] or out of order.</exception>
    public ExpertSchedule(int experts, RcmSchedule schedule, IReadOnlyList<double>? boundaries = null)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        boundaries ??= DefaultBoundaries;
        if (boundaries.Any(b => !(b is >= 0 and <= 1)) || boundaries.Zip(boundaries.Skip(1)).Any(pair => pair.Second >= pair.First))
        {
            throw new ArgumentOutOfRangeException(nameof(boundaries), $"[{string.Join(", ", boundaries)}]",
                $"Expert boundaries are rectified-flow times between 0 and 1, strictly falling (default [{string.Join(", ", DefaultBoundaries)}]).");
        }

        if (experts != boundaries.Count + 1)
        {
            throw new ArgumentException($"{boundaries.Count} boundaries separate {boundaries.Count + 1} experts; got {experts} networks.", nameof(experts));
        }

        (Experts, Steps) = (experts, schedule.Steps);
        switchSteps = [.. boundaries.Select(schedule.FirstStepBelow)];
    }

    public int Experts { get; }

    public int Steps { get; }

    /// <summary>Per boundary, the first step run by the expert after it, or -1 when no step gets past it.</summary>
    public IReadOnlyList<int> SwitchSteps => switchSteps;

    /// <summary>The index of the expert that runs <paramref name="step"/>, 0 for the highest noise level.</summary>
    public int ExpertAt(int step)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(step);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(step, Steps);
        return switchSteps.Count(switchStep => switchStep >= 0 && step >= switchStep);
    }

    /// <summary>
    /// The expert wanted right after <paramref name="step"/>: the next step's, or after the last step expert 0, which
    /// the next render of the same model starts with.
    /// </summary>
    public int ExpertAfter(int step) => step + 1 < Steps ? ExpertAt(step + 1) : 0;
}
