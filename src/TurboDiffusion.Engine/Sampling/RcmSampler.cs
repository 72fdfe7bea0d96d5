using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Sampling;

/// <summary>
/// rCM consistency sampling in rectified-flow time: one network call per step, no classifier-free
/// guidance (it is distilled into the model). The state is float64 throughout; noise is fp32.
/// </summary>
public sealed class RcmSampler
{
    private readonly TimeProvider clock;

    public RcmSampler(RcmSchedule schedule, RcmSolver solver = RcmSolver.Sde, TimeProvider? clock = null)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        Schedule = schedule;
        Solver = solver;
        this.clock = clock ?? TimeProvider.System;
    }

    public RcmSchedule Schedule { get; }

    public RcmSolver Solver { get; }

    /// <summary>
    /// Runs every step from noise and returns the final state <c>[B, C, T, H, W]</c> in float64 on the
    /// noise source's device (the reference decodes <c>x.float()</c>).
    /// </summary>
    /// <param name="latentShape"><c>[B, C, T, H, W]</c>; the timestep handed to the network is <c>[B, 1]</c>.</param>
    /// <exception cref="OperationCanceledException">The token was cancelled; checked before each step.</exception>
    public Tensor Sample(
        IVelocityNetwork network,
        INoiseSource noise,
        long[] latentShape,
        IProgress<StepProgress>? progress = null,
        CancellationToken cancellationToken = default) =>
        Run(network, noise, latentShape, resumeFrom: null, afterStep: null, progress, cancellationToken);

    /// <summary>
    /// Runs the steps from <paramref name="resumeFrom"/> (from noise when null), handing the state after each step to
    /// <paramref name="afterStep"/>. Going on from the state saved after step k, with the noise source restored to its
    /// state then, gives the very bits an uninterrupted run gives: the state is float64 and exact, and the noise draws
    /// continue where they stopped.
    /// </summary>
    /// <param name="resumeFrom">A state handed out by an earlier run with the same schedule, network and seed; the caller keeps it.</param>
    /// <param name="afterStep">Called on this thread after every finished step; its <see cref="SamplerStep.State"/> is valid only during the call.</param>
    /// <exception cref="ArgumentException">The resume state does not fit this schedule or latent shape.</exception>
    public Tensor Sample(
        IVelocityNetwork network,
        IRestorableNoiseSource noise,
        long[] latentShape,
        SamplerStep? resumeFrom,
        Action<SamplerStep> afterStep,
        IProgress<StepProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(noise);
        ArgumentNullException.ThrowIfNull(afterStep);
        if (resumeFrom is { } resume)
        {
            CheckResumable(resume, latentShape);
            noise.RestoreState(resume.NoiseState);
        }

        return Run(network, noise, latentShape, resumeFrom, (done, x) => afterStep(new SamplerStep(done, x, noise.SaveState())), progress, cancellationToken);
    }

    private Tensor Run(
        IVelocityNetwork network,
        INoiseSource noise,
        long[] latentShape,
        SamplerStep? resumeFrom,
        Action<int, Tensor>? afterStep,
        IProgress<StepProgress>? progress,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(noise);
        ArgumentNullException.ThrowIfNull(latentShape);
        if (latentShape.Length == 0 || latentShape.Any(size => size <= 0))
        {
            throw new ArgumentException($"The latent shape must be [B, C, T, H, W] with positive sizes, got [{string.Join(", ", latentShape)}].", nameof(latentShape));
        }

        var started = clock.GetTimestamp();
        using var samplerScope = NewDisposeScope();
        Tensor x;
        using (NewDisposeScope())
        {
            x = resumeFrom is { } resume
                ? resume.State.clone().MoveToOuterDisposeScope()
                : (DrawNoise(noise, latentShape).to(ScalarType.Float64) * Schedule.Times[0]).MoveToOuterDisposeScope();
        }

        for (var step = resumeFrom?.StepsDone ?? 0; step < Schedule.Steps; step++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var previous = x;
            using (NewDisposeScope())
            {
                x = Step(network, noise, x, step).MoveToOuterDisposeScope();
            }

            previous.Dispose();
            afterStep?.Invoke(step + 1, x);
            progress?.Report(new StepProgress(step, Schedule.Steps, Schedule.Times[step], clock.GetElapsedTime(started)));
        }

        return x.MoveToOuterDisposeScope();
    }

    private void CheckResumable(SamplerStep resume, long[] latentShape)
    {
        if (resume.StepsDone < 1 || resume.StepsDone > Schedule.Steps)
        {
            throw new ArgumentException($"A resume state has 1 to {Schedule.Steps} steps done for this schedule ({Schedule}), not {resume.StepsDone}.", nameof(resume));
        }

        if (resume.State.dtype != ScalarType.Float64 || !resume.State.shape.SequenceEqual(latentShape))
        {
            throw new ArgumentException(
                $"A resume state is Float64 [{string.Join(", ", latentShape)}], got {resume.State.dtype} [{string.Join(", ", resume.State.shape)}].", nameof(resume));
        }
    }

    private Tensor Step(IVelocityNetwork network, INoiseSource noise, Tensor x, int step)
    {
        var t = Schedule.Times[step];
        var tNext = Schedule.Times[step + 1];
        var timestep = full(x.shape[0], 1, Schedule.Timesteps[step], ScalarType.BFloat16, x.device);
        var v = network.Velocity(x, timestep, step);
        if (!v.shape.SequenceEqual(x.shape))
        {
            throw new InvalidOperationException($"The network returned a velocity of shape [{string.Join(", ", v.shape)}] at step {step} for a state of shape [{string.Join(", ", x.shape)}].");
        }

        v = v.to(ScalarType.Float64);
        if (Solver == RcmSolver.Ode)
        {
            return x - (t - tNext) * v;
        }

        var x0 = x - t * v;

        // The reference draws on the last step too (t' = 0) so the generator stays in step with it, and
        // multiplies the fp32 noise by t' in fp32 (a 0-dim float64 tensor does not promote a float32 one)
        // before adding it to the float64 state.
        var eps = DrawNoise(noise, x.shape);
        return (1 - tNext) * x0 + eps * (float)tNext;
    }

    private static Tensor DrawNoise(INoiseSource noise, long[] shape)
    {
        var eps = noise.Draw(shape);
        if (!eps.shape.SequenceEqual(shape) || eps.dtype != ScalarType.Float32)
        {
            throw new InvalidOperationException($"The noise source returned {eps.dtype} [{string.Join(", ", eps.shape)}]; the sampler needs Float32 [{string.Join(", ", shape)}].");
        }

        return eps;
    }
}
