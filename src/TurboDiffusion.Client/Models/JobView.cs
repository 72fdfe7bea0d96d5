using System.Text.Json.Serialization;

namespace TurboDiffusion.Client.Models;

/// <summary>A job as the gateway reports it.</summary>
public sealed record JobView
{
    public required string Id { get; init; }

    public required string Tenant { get; init; }

    public string? BatchId { get; init; }

    public required JobStatus Status { get; init; }

    public required string Prompt { get; init; }

    public required string Model { get; init; }

    public required JobResolution Resolution { get; init; }

    public required JobAspectRatio AspectRatio { get; init; }

    public required int Frames { get; init; }

    public required int Steps { get; init; }

    public required long Seed { get; init; }

    public required JobPriority Priority { get; init; }

    public Uri? Webhook { get; init; }

    /// <summary>The pool (scheduler queue) the job waits in.</summary>
    public required string Pool { get; init; }

    /// <summary>True once a cancel was asked; the job ends Canceled when its worker stops.</summary>
    public bool CancelRequested { get; init; }

    /// <summary>Coarse progress of the running attempt (per-step progress streams from <c>/events</c>).</summary>
    public ProgressView? Progress { get; init; }

    public required TimingsView Timings { get; init; }

    public IReadOnlyList<AttemptView> Attempts { get; init; } = [];

    public FailureView? Failure { get; init; }

    /// <summary>The stored result once the job succeeded.</summary>
    public ArtifactView? Artifact { get; init; }

    /// <summary>
    /// The job this one was answered from without rendering: an identical finished render whose files were copied to
    /// this job's artifact. Null when the job rendered its own video.
    /// </summary>
    public string? ReusedFrom { get; init; }

    /// <summary>
    /// Why a queued or held job still waits, in one sentence (on <c>GET /v1/jobs/{id}</c>, the dashboard's overview and
    /// a job.queued webhook; not in listings): e.g. "12 jobs ahead in pool 'default', 3 of 3 workers that can render
    /// wan-14b at 720p busy", "tenant 'studio-a' is over its fair share: 8 jobs of other tenants lease first in pool
    /// 'default'", "no worker has model wan-a14b loaded; next switch in ~40 s", "no worker of pool 'default' has the
    /// device memory to render wan-14b at 720p (...)", or for a held job what its tenant's quota holds.
    /// </summary>
    public string? WaitingReason { get; init; }

    /// <summary>
    /// Where a queued or held job stands and when it is expected to start and finish, or when a leased job is expected to
    /// finish; null for a finished job. Present where <see cref="WaitingReason"/> is.
    /// </summary>
    public EstimateView? Estimate { get; init; }

    [JsonIgnore]
    public bool IsFinished => Status is JobStatus.Succeeded or JobStatus.Failed or JobStatus.Canceled or JobStatus.Expired;
}

/// <summary>
/// A scheduler's estimate for a job, from the GPU-seconds its pool's workers measured on finished jobs of the same
/// model, resolution, frames and steps (<paramref name="CostSource"/> "measured"), of its model at other sizes
/// ("model"), or Turbo:Cost until then ("configured").
/// </summary>
/// <param name="Cause">What a waiting job waits on most: "queue", "fair_share", "model_switch", "no_capable_worker", "no_worker" or "quota" (held); null for a leased job.</param>
/// <param name="Position">1 for the next job its pool leases; null for a held or leased job.</param>
/// <param name="AheadGpuSeconds">Expected GPU-seconds of the queued jobs expected to lease before it.</param>
/// <param name="Workers">Workers of the pool that can render it (1 for a leased job: its own).</param>
/// <param name="BusyWorkers">Of those, the ones rendering now.</param>
/// <param name="StartAt">Expected start (a leased job: its lease); null when no worker can take it, or while held.</param>
/// <param name="FinishAt">Expected finish; a running job's follows its own measured steps.</param>
/// <param name="JobSeconds">What the job is expected to keep a worker busy for, model loads left out.</param>
/// <param name="StepSeconds">A running job's measured seconds per sampler step, once it has taken a step.</param>
public sealed record EstimateView(
    string? Cause,
    int? Position,
    double? AheadGpuSeconds,
    int Workers,
    int BusyWorkers,
    DateTimeOffset? StartAt,
    DateTimeOffset? FinishAt,
    double JobSeconds,
    string CostSource,
    double? StepSeconds = null);

/// <summary>How far a running job is: the stage (a <see cref="JobStage"/> name: "denoising", "decoding", ...) and, within it, done of total.</summary>
public sealed record ProgressView(string Stage, int Done, int Total, double ElapsedSeconds);

/// <summary>When the job passed each milestone (UTC); null until it did.</summary>
public sealed record TimingsView(
    DateTimeOffset SubmittedAt,
    DateTimeOffset QueuedAt,
    DateTimeOffset? LeasedAt,
    DateTimeOffset? StartedAt,
    DateTimeOffset? UploadStartedAt,
    DateTimeOffset? FinishedAt);

/// <summary>One lease of the job: which worker ran it and how it ended ("engine_error", "silo_lost", ...).</summary>
public sealed record AttemptView(int Number, string WorkerId, DateTimeOffset LeasedAt, DateTimeOffset? EndedAt, string? Outcome, string? Detail);

public sealed record FailureView(string Reason, string Message);

/// <summary>The stored files of a finished job; the URLs are relative to the gateway. <c>Bytes</c> counts every stored file: the video, the sidecar and any frames.</summary>
public sealed record ArtifactView(string VideoUrl, string SidecarUrl, long Bytes, int FrameCount);
