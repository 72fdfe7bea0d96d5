using System.Collections.Immutable;
using TurboDiffusion.Client.Models;
using TurboDiffusion.Farm.Contracts;
using FarmStage = TurboDiffusion.Farm.Contracts.JobStage;
using FarmStatus = TurboDiffusion.Farm.Contracts.JobStatus;

namespace TurboDiffusion.Gateway.Mapping;

/// <summary>The farm's records as the API shows them.</summary>
public static class JobViewMapper
{
    public static JobView ToView(JobState job)
    {
        ArgumentNullException.ThrowIfNull(job);
        var spec = job.Spec;
        return new JobView
        {
            Id = job.JobId,
            Tenant = spec.Tenant,
            BatchId = job.BatchId,
            Status = VocabularyMapper.ToWire(job.Status),
            Prompt = spec.Prompt,
            Model = spec.Model,
            Resolution = VocabularyMapper.ToWire(spec.Resolution),
            AspectRatio = VocabularyMapper.ToWire(spec.Aspect),
            Frames = spec.Frames,
            Steps = spec.Steps,
            Seed = spec.Seed,
            Priority = VocabularyMapper.ToWire(spec.Priority),
            Webhook = spec.Webhook,
            Pool = job.Pool,
            CancelRequested = job.CancelRequested,
            Progress = job.Progress is { } p && job.Status.IsLeased() ? Progress(p) : null,
            Timings = new TimingsView(job.Timings.SubmittedAt, job.Timings.QueuedAt, job.Timings.LeasedAt, job.Timings.StartedAt, job.Timings.UploadStartedAt, job.Timings.FinishedAt),
            Attempts = job.Attempts.IsDefault ? [] : [.. job.Attempts.Select(a => new AttemptView(a.Number, a.WorkerId, a.LeasedAt, a.EndedAt, a.Outcome?.Label(), a.Detail is { } d ? ServerPaths.Redact(d) : null))],
            Failure = job.Failure is { } f ? new FailureView(f.Reason.Label(), ServerPaths.Redact(f.Message)) : null,
            Artifact = job.Artifact is { } artifact && job.Status == FarmStatus.Succeeded
                ? new ArtifactView($"/v1/jobs/{job.JobId}/video", $"/v1/jobs/{job.JobId}/sidecar", artifact.Bytes, artifact.FrameCount)
                : null,
            ReusedFrom = job.Status == FarmStatus.Succeeded ? job.Artifact?.ReusedFrom : null,
        };
    }

    /// <summary>The view of <paramref name="job"/> with the scheduler's <paramref name="estimate"/> and, for a running job, its measured step.</summary>
    public static JobView ToView(JobState job, JobEstimate? estimate, double? stepSeconds = null) =>
        estimate is null ? ToView(job) : ToView(job) with { WaitingReason = estimate.Reason, Estimate = Estimate(estimate, stepSeconds) };

    public static EstimateView Estimate(JobEstimate estimate, double? stepSeconds = null)
    {
        ArgumentNullException.ThrowIfNull(estimate);
        return new EstimateView(estimate.Cause is { } cause ? Cause(cause) : null, estimate.Position, estimate.AheadGpuSeconds, estimate.Workers, estimate.BusyWorkers,
            estimate.StartAt, estimate.FinishAt, estimate.Cost.Seconds, Source(estimate.Cost.Source), stepSeconds);
    }

    /// <summary>The cause's wire name, as <see cref="EstimateView.Cause"/> lists them.</summary>
    public static string Cause(WaitingCause cause) => cause switch
    {
        WaitingCause.Queue => "queue",
        WaitingCause.FairShare => "fair_share",
        WaitingCause.ModelSwitch => "model_switch",
        WaitingCause.NoCapableWorker => "no_capable_worker",
        WaitingCause.NoWorker => "no_worker",
        WaitingCause.Quota => "quota",
        _ => throw new ArgumentOutOfRangeException(nameof(cause), cause, "a waiting cause without a wire name"),
    };

    private static string Source(CostSource source) => source switch
    {
        CostSource.Measured => "measured",
        CostSource.Model => "model",
        CostSource.Configured => "configured",
        _ => throw new ArgumentOutOfRangeException(nameof(source), source, "a cost source without a wire name"),
    };

    public static ProgressView Progress(JobProgress progress)
    {
        ArgumentNullException.ThrowIfNull(progress);
        return new ProgressView(Stage(progress.Stage), progress.Done, progress.Total, progress.Elapsed.TotalSeconds);
    }

    /// <summary>The stage's wire name; progress carries it as text ("denoising").</summary>
    public static string Stage(FarmStage stage) => WireNames.Of(VocabularyMapper.ToWire(stage));

    public static BatchView ToView(BatchSummary summary)
    {
        ArgumentNullException.ThrowIfNull(summary);
        return new BatchView(summary.BatchId, summary.Tenant, summary.Total,
            summary.Counts.ToImmutableDictionary(c => WireNames.Of(VocabularyMapper.ToWire(c.Key)), c => c.Value),
            summary.Finished, summary.Rejected, summary.Rejected > 0 ? summary.RetryAfter.TotalSeconds : null, summary.CreatedAt, summary.IsFinished);
    }
}
