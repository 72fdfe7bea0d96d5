namespace TurboDiffusion.Engine.Sampling;

/// <summary>
/// The rCM few-step schedule. TrigFlow times <c>[atan(sigma_max), 1.5, 1.4, 1.0][:steps] + [0]</c> are
/// mapped to rectified-flow time <c>t = sin/(sin+cos)</c> (float64); the network sees
/// <see cref="Timesteps"/>, <c>bf16(t*1000)</c>, e.g. 988, 932, 852, 608 for 4 steps at sigma_max 80.
/// </summary>
public sealed record RcmSchedule
{
    public const int MinSteps = SamplerStepsRule.Min;
    public const int MaxSteps = SamplerStepsRule.Max;
    public const int DefaultSteps = 4;
    public const double TextToVideoSigmaMax = 80;
    public const double ImageToVideoSigmaMax = 200;

    /// <summary>The distilled model's intermediate TrigFlow times (rCM <c>backward_timesteps</c>).</summary>
    private static readonly double[] IntermediateTrigFlowTimes = [1.5, 1.4, 1.0];

    private readonly double[] trigFlowTimes;
    private readonly double[] times;
    private readonly float[] timesteps;

    private RcmSchedule(int steps, double sigmaMax)
    {
        Steps = steps;
        SigmaMax = sigmaMax;
        trigFlowTimes = [Math.Atan(sigmaMax), .. IntermediateTrigFlowTimes.AsSpan(0, steps - 1), 0.0];
        times = Array.ConvertAll(trigFlowTimes, s => Math.Sin(s) / (Math.Cos(s) + Math.Sin(s)));
        timesteps = Array.ConvertAll(times[..steps], NetworkTimestep);
    }

    public int Steps { get; }

    public double SigmaMax { get; }

    /// <summary>TrigFlow time s of every level, <see cref="Steps"/> + 1 values ending in 0.</summary>
    public IReadOnlyList<double> TrigFlowTimes => trigFlowTimes;

    /// <summary>Rectified-flow time t of every level, <see cref="Steps"/> + 1 values ending in 0.</summary>
    public IReadOnlyList<double> Times => times;

    /// <summary>The timestep fed to the network at each step: bf16-representable values of <c>t*1000</c>.</summary>
    public IReadOnlyList<float> Timesteps => timesteps;

    /// <param name="steps">Network evaluations, <see cref="MinSteps"/> to <see cref="MaxSteps"/>.</param>
    /// <param name="sigmaMax">Initial noise level; larger values trade diversity for quality.</param>
    public static RcmSchedule Create(int steps = DefaultSteps, double sigmaMax = TextToVideoSigmaMax)
    {
        if (!SamplerStepsRule.IsValid(steps))
        {
            throw new ArgumentOutOfRangeException(nameof(steps), steps,
                $"rCM sampling takes {MinSteps} to {MaxSteps} steps (the distilled schedule has {MaxSteps} levels).");
        }

        if (!double.IsFinite(sigmaMax) || sigmaMax <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(sigmaMax), sigmaMax,
                $"sigma_max must be a finite number above 0 ({TextToVideoSigmaMax} for T2V, {ImageToVideoSigmaMax} for I2V).");
        }

        if (steps > 1 && Math.Atan(sigmaMax) <= IntermediateTrigFlowTimes[0])
        {
            throw new ArgumentOutOfRangeException(nameof(sigmaMax), sigmaMax,
                $"With {steps} steps sigma_max must exceed tan({IntermediateTrigFlowTimes[0]}) = {Math.Tan(IntermediateTrigFlowTimes[0]):F2}, " +
                "or the first step would add noise instead of removing it.");
        }

        return new RcmSchedule(steps, sigmaMax);
    }

    public static RcmSchedule TextToVideo(int steps = DefaultSteps) => Create(steps, TextToVideoSigmaMax);

    public static RcmSchedule ImageToVideo(int steps = DefaultSteps) => Create(steps, ImageToVideoSigmaMax);

    /// <summary>The first step whose t is strictly below <paramref name="boundary"/>, or -1 if none is.</summary>
    public int FirstStepBelow(double boundary) => Array.FindIndex(times, 0, Steps, t => t < boundary);

    public bool Equals(RcmSchedule? other) => other is not null && Steps == other.Steps && SigmaMax.Equals(other.SigmaMax);

    public override int GetHashCode() => HashCode.Combine(Steps, SigmaMax);

    public override string ToString() => $"rCM {Steps} step(s), sigma_max {SigmaMax}";

    /// <summary>
    /// The reference computes <c>(t.float() * ones_f64 * 1000).to(bf16)</c>: t is rounded to fp32 before
    /// the float64 multiply, then the product is rounded to fp32 and to bf16, as libtorch's cast does.
    /// </summary>
    private static float NetworkTimestep(double t) => BFloat16Rounding.Round((float)((double)(float)t * 1000.0));
}
