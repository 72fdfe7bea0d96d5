using System.Collections.Immutable;
using TurboDiffusion.Client.Models;
using TurboDiffusion.Farm.Contracts;
using ClientPriority = TurboDiffusion.Client.Models.JobPriority;
using ClientStatus = TurboDiffusion.Client.Models.JobStatus;
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
            Status = Status(job.Status),
            Prompt = spec.Prompt,
            Model = spec.Model,
            Resolution = JobSpecMapper.Resolutions.First(r => r.Value == spec.Resolution).Key,
            AspectRatio = JobSpecMapper.Aspects.First(a => a.Value == spec.Aspect).Key,
            Frames = spec.Frames,
            Steps = spec.Steps,
            Seed = spec.Seed,
            Priority = (ClientPriority)(int)spec.Priority,
            Webhook = spec.Webhook,
            Pool = job.Pool,
            CancelRequested = job.CancelRequested,
            Progress = job.Progress is { } p && job.Status.IsLeased() ? Progress(p) : null,
            Timings = new TimingsView(job.Timings.SubmittedAt, job.Timings.QueuedAt, job.Timings.LeasedAt, job.Timings.StartedAt, job.Timings.UploadStartedAt, job.Timings.FinishedAt),
            Attempts = job.Attempts.IsDefault ? [] : [.. job.Attempts.Select(a => new AttemptView(a.Number, a.WorkerId, a.LeasedAt, a.EndedAt, a.Outcome?.Label(), a.Detail))],
            Failure = job.Failure is { } f ? new FailureView(f.Reason.Label(), f.Message) : null,
            Artifact = job.Artifact is { } artifact && job.Status == FarmStatus.Succeeded
                ? new ArtifactView($"/v1/jobs/{job.JobId}/video", $"/v1/jobs/{job.JobId}/sidecar", artifact.Bytes, artifact.FrameCount)
                : null,
        };
    }

    public static ProgressView Progress(JobProgress progress)
    {
        ArgumentNullException.ThrowIfNull(progress);
        return new ProgressView(Stage(progress.Stage), progress.Done, progress.Total, progress.Elapsed.TotalSeconds);
    }

    public static string Stage(JobStage stage) => stage switch
    {
        JobStage.LoadingModel => "loading_model",
        JobStage.EncodingText => "encoding_text",
        JobStage.EncodingImage => "encoding_image",
        JobStage.Denoising => "denoising",
        JobStage.Decoding => "decoding",
        JobStage.Writing => "writing",
        JobStage.Uploading => "uploading",
        _ => throw new ArgumentOutOfRangeException(nameof(stage), stage, "unknown job stage"),
    };

    public static ClientStatus Status(FarmStatus status) => (ClientStatus)(int)status;

    public static FarmStatus Status(ClientStatus status) => (FarmStatus)(int)status;

    public static BatchView ToView(BatchSummary summary)
    {
        ArgumentNullException.ThrowIfNull(summary);
        return new BatchView(summary.BatchId, summary.Tenant, summary.Total,
            summary.Counts.ToImmutableDictionary(c => TurboJson.Name(Status(c.Key)), c => c.Value),
            summary.Finished, summary.Rejected, summary.Rejected > 0 ? summary.RetryAfter.TotalSeconds : null, summary.CreatedAt, summary.IsFinished);
    }
}
