using TurboDiffusion.Farm.Contracts;

namespace TurboDiffusion.Farm.Scheduling;

/// <summary>
/// What one attempt's coarse progress shows of its cost, read by its job grain as the worker reports it (every stage
/// change, and every report interval in between). Model loads and the end of the sampler are timed on the grain's
/// clock when their reports arrive; steps on the engine's own clock (<see cref="JobProgress.Elapsed"/>). The sample
/// leaves a model load out of the run time and reports it apart: a load is the price of a switch, not of the job, and
/// its scheduler learns that price per worker from it (<see cref="ModelLoads"/>).
/// </summary>
internal sealed class AttemptClock
{
    private DateTimeOffset? loadStartedAt;
    private TimeSpan load;
    private bool loaded;
    private (int Done, TimeSpan Elapsed)? firstStep;
    private (int Done, int Total, TimeSpan Elapsed)? lastStep;
    private DateTimeOffset? samplerEndedAt;
    private TimeSpan? samplerEndElapsed;

    public void Observe(JobProgress progress, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(progress);
        if (progress.Stage == JobStage.LoadingModel)
        {
            loadStartedAt ??= now;
            return;
        }

        if (loadStartedAt is { } started)
        {
            load += now - started;
            loadStartedAt = null;
            loaded = true;
        }

        if (progress.Stage == JobStage.Denoising)
        {
            firstStep ??= (progress.Done, progress.Elapsed);
            lastStep = (progress.Done, progress.Total, progress.Elapsed);
        }
        else if (lastStep is not null && samplerEndedAt is null)
        {
            samplerEndedAt = now;
            samplerEndElapsed = progress.Elapsed;
        }
    }

    /// <summary>What the attempt leased at <paramref name="leasedAt"/> and finished at <paramref name="finishedAt"/> cost.</summary>
    public CostSample Sample(JobSpec spec, DateTimeOffset leasedAt, DateTimeOffset finishedAt)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return new CostSample(spec.Model, spec.Resolution, spec.Frames, spec.Steps, (finishedAt - leasedAt - load).TotalSeconds, StepSeconds(), (finishedAt - samplerEndedAt)?.TotalSeconds, loaded ? load.TotalSeconds : null);
    }

    /// <summary>
    /// Seconds per step between the first step seen and the last (the final step's report when it came, else the first
    /// report after the sampler, which the worker sends as soon as the sampler ends).
    /// </summary>
    private double? StepSeconds()
    {
        if (firstStep is not { } first || lastStep is not { } last)
        {
            return null;
        }

        var (done, elapsed) = last.Done == last.Total || samplerEndElapsed is not { } end ? (last.Done, last.Elapsed) : (last.Total, end);
        return done > first.Done ? (elapsed - first.Elapsed).TotalSeconds / (done - first.Done) : null;
    }
}
