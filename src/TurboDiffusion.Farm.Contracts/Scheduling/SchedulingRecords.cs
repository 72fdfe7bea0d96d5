using System.Collections.Immutable;

namespace TurboDiffusion.Farm.Contracts;

/// <summary>A queued job as the scheduler sees it: enough to choose, nothing to render.</summary>
/// <param name="QueuedAt">When the job (re-)entered the queue; the queue wait and the queue's time to live count from here.</param>
/// <param name="SubmittedAt">When the job was submitted; its place in the queue and its ageing count from here, so a requeue keeps its place.</param>
/// <param name="Resolution">What the job renders at: a worker whose device cannot plan it is not offered it.</param>
/// <param name="Aspect">With <paramref name="Resolution"/>, <paramref name="Frames"/> and <paramref name="Steps"/>: what the job's GPU time is estimated from.</param>
/// <param name="GpuSeconds">The job's estimated GPU time (JobCostEstimate, priced when the ticket is made): what it counts against a quota in GPU-seconds (Turbo:Admission:QuotaUnit) and adds to its pool's backlog.</param>
[GenerateSerializer, Immutable, Alias("turbo.QueueTicket.v1")]
public sealed record QueueTicket(
    [property: Id(0)] string JobId,
    [property: Id(1)] string Tenant,
    [property: Id(2)] string Model,
    [property: Id(3)] JobPriority Priority,
    [property: Id(4)] DateTimeOffset QueuedAt,
    [property: Id(5)] DateTimeOffset SubmittedAt,
    [property: Id(6)] JobResolution Resolution = JobResolution.P480,
    [property: Id(7)] JobAspect Aspect = JobAspect.Landscape16x9,
    [property: Id(8)] int Frames = 81,
    [property: Id(9)] int Steps = 4,
    [property: Id(10)] double GpuSeconds = 0)
{
    /// <summary>The ticket of a job of <paramref name="spec"/>.</summary>
    public static QueueTicket For(string jobId, JobSpec spec, DateTimeOffset queuedAt, DateTimeOffset submittedAt)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return new(jobId, spec.Tenant, spec.Model, spec.Priority, queuedAt, submittedAt, spec.Resolution, spec.Aspect, spec.Frames, spec.Steps);
    }
}

/// <summary>What admission answered.</summary>
public enum AdmissionOutcome
{
    Accepted,

    /// <summary>The pool's queue is at its bound.</summary>
    QueueFull,

    /// <summary>The tenant's queued jobs (or their GPU-seconds) leave no room for this one in its quota.</summary>
    OverQuota,

    /// <summary>A batch item over its tenant's quota: accepted, kept Held in the store and queued when the tenant's queue drains.</summary>
    Held,
}

/// <summary>Admission's answer to an enqueue; a rejection carries when to retry (HTTP 429 + Retry-After).</summary>
[GenerateSerializer, Immutable, Alias("turbo.AdmissionDecision.v1")]
public sealed record AdmissionDecision(
    [property: Id(0)] AdmissionOutcome Outcome,
    [property: Id(1)] TimeSpan RetryAfter,
    [property: Id(2)] string Reason)
{
    public static readonly AdmissionDecision Accept = new(AdmissionOutcome.Accepted, TimeSpan.Zero, "accepted");

    public static readonly AdmissionDecision Hold = new(AdmissionOutcome.Held, TimeSpan.Zero, "held until the tenant's queue has room");

    /// <summary>Queued now.</summary>
    public bool IsAccepted => Outcome == AdmissionOutcome.Accepted;

    /// <summary>Queued now or held: either way the job is to be recorded.</summary>
    public bool IsAdmitted => Outcome is AdmissionOutcome.Accepted or AdmissionOutcome.Held;
}

/// <summary>What one tenant could still submit to a pool now.</summary>
/// <param name="Queue">What the tenant may still queue before its quota, in <paramref name="Unit"/> (Turbo:Admission:QuotaUnit).</param>
/// <param name="Held">The tenant's jobs held in the pool now: while there are any, its batch items are held behind them.</param>
/// <param name="Pool">Jobs the pool may still take waiting, queued or held (Turbo:Admission:MaxQueuedPerPool): what a batch may hold at most.</param>
/// <param name="Waiting">Jobs waiting in the pool now, queued or held.</param>
/// <param name="Bound">The pool's bound on waiting jobs.</param>
/// <param name="RetryAfter">What a refusal tells the client to wait (Turbo:Admission:RetryAfter).</param>
/// <param name="Unit">What the quota counts: "jobs" or "gpu-seconds".</param>
[GenerateSerializer, Immutable, Alias("turbo.AdmissionRoom.v2")]
public sealed record AdmissionRoom(
    [property: Id(0)] double Queue,
    [property: Id(5)] int Held,
    [property: Id(1)] int Pool,
    [property: Id(2)] int Waiting,
    [property: Id(3)] int Bound,
    [property: Id(4)] TimeSpan RetryAfter,
    [property: Id(6)] string Unit);

/// <summary>A GPU worker asking for work.</summary>
/// <param name="Silo">The worker's silo address (parsable form), so the lease can be taken back when the membership service declares it dead.</param>
/// <param name="LoadedModels">Models resident on the worker now: jobs for them are preferred (warm-model affinity).</param>
/// <param name="FreeMemoryBytes">Device memory free for loading another model.</param>
/// <param name="Limits">The resolutions the worker's device can render of each model it has planned; a model not listed may be offered at any.</param>
[GenerateSerializer, Immutable, Alias("turbo.LeaseRequest.v1")]
public sealed record LeaseRequest(
    [property: Id(0)] string WorkerId,
    [property: Id(1)] string Silo,
    [property: Id(2)] ImmutableArray<string> LoadedModels,
    [property: Id(3)] long FreeMemoryBytes,
    [property: Id(4)] ImmutableArray<ServingLimit> Limits = default)
{
    /// <summary>Whether this worker may be offered <paramref name="ticket"/>: no limit is known for its model, or the model's limit includes its resolution.</summary>
    public bool Serves(QueueTicket ticket)
    {
        ArgumentNullException.ThrowIfNull(ticket);
        return Limits.IsDefaultOrEmpty || Limits.FirstOrDefault(l => l.Model == ticket.Model) is not { } limit || limit.Resolutions.Contains(ticket.Resolution);
    }
}

/// <summary>What a worker's device can render of one model: the resolutions (at the released 81-frame clip) whose memory plan fits.</summary>
[GenerateSerializer, Immutable, Alias("turbo.ServingLimit.v1")]
public sealed record ServingLimit(
    [property: Id(0)] string Model,
    [property: Id(1)] ImmutableArray<JobResolution> Resolutions);

/// <summary>Work handed to a worker. It must heartbeat before <see cref="ExpiresAt"/> and complete with <see cref="Token"/>.</summary>
[GenerateSerializer, Immutable, Alias("turbo.JobLease.v1")]
public sealed record JobLease(
    [property: Id(0)] string JobId,
    [property: Id(1)] Guid Token,
    [property: Id(2)] JobSpec Spec,
    [property: Id(3)] int Attempt,
    [property: Id(4)] DateTimeOffset ExpiresAt);

/// <summary>What the holder of a lease should do next.</summary>
public enum LeaseStatus
{
    /// <summary>Keep going; the lease was extended.</summary>
    Active,

    /// <summary>The job was canceled: stop at the next step and confirm.</summary>
    CancelRequested,

    /// <summary>The lease is gone (expired and requeued, or the job ended): stop and discard the output.</summary>
    Lost,
}

[GenerateSerializer, Immutable, Alias("turbo.HeartbeatReply.v1")]
public sealed record HeartbeatReply(
    [property: Id(0)] LeaseStatus Status,
    [property: Id(1)] DateTimeOffset ExpiresAt);

/// <summary>A pool's queue at one moment: the autoscaling signal and the "why is it stuck" view.</summary>
/// <param name="DepthByPriority">Queued jobs per priority.</param>
/// <param name="OldestQueuedAge">How long the oldest queued job has waited (zero when empty).</param>
/// <param name="QueuedByTenant">Queued jobs per tenant.</param>
/// <param name="Held">Batch items held over their tenant's quota, not counted in <paramref name="Depth"/>.</param>
/// <param name="BacklogGpuSeconds">The estimated GPU-seconds of every queued and held job (JobCostEstimate): the work a pool's workers have ahead.</param>
/// <param name="QuotaUnit">What tenant quotas count: "jobs" or "gpu-seconds" (Turbo:Admission:QuotaUnit).</param>
/// <param name="QueuedInUnit">What the queued jobs count against their tenants' quotas, in <paramref name="QuotaUnit"/>.</param>
/// <param name="HeldInUnit">What the held jobs will count once queued, in <paramref name="QuotaUnit"/>.</param>
/// <param name="History">The pool's last hour, a minute each, oldest first, since its scheduler last activated.</param>
/// <param name="ModelLoads">The model loads the scheduler measured per worker, which price a model switch.</param>
[GenerateSerializer, Immutable, Alias("turbo.QueueSnapshot.v1")]
public sealed record QueueSnapshot(
    [property: Id(0)] string Pool,
    [property: Id(1)] int Depth,
    [property: Id(2)] ImmutableDictionary<JobPriority, int> DepthByPriority,
    [property: Id(3)] TimeSpan OldestQueuedAge,
    [property: Id(4)] int Leased,
    [property: Id(5)] ImmutableDictionary<string, int> QueuedByTenant,
    [property: Id(6)] int Held = 0,
    [property: Id(7)] double BacklogGpuSeconds = 0,
    [property: Id(8)] string QuotaUnit = "jobs",
    [property: Id(9)] double QueuedInUnit = 0,
    [property: Id(10)] double HeldInUnit = 0,
    [property: Id(11)] ImmutableArray<PoolMinute> History = default,
    [property: Id(12)] ImmutableArray<MeasuredLoad> ModelLoads = default);
