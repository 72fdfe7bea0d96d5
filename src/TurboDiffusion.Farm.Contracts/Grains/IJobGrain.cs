using Orleans.Concurrency;

namespace TurboDiffusion.Farm.Contracts;

/// <summary>
/// One job, keyed by job id. Holds and persists the job record and decides every state change.
/// Clients submit, read and cancel; the scheduler leases and takes leases back; the worker holding the
/// lease reports start, progress, upload, completion and failure with its lease token.
/// </summary>
public interface IJobGrain : IGrainWithStringKey
{
    /// <summary>
    /// Records and queues the job; a repeat with the same spec answers the original job. A batch item (with
    /// <paramref name="batchId"/>) over its tenant's quota is recorded Held instead of refused.
    /// </summary>
    /// <param name="submittedAt">
    /// The batch's submission time, shared by its items so that they keep upload order in the queue and when released
    /// from held (equal times go by job id, which carries the item's index); null for now.
    /// </param>
    Task<SubmitResult> Submit(JobSpec spec, string? batchId, DateTimeOffset? submittedAt);

    [ReadOnly]
    Task<JobState?> GetState();

    /// <summary>Cancels a queued job at once, or asks the worker of a leased job to stop. Repeating it is harmless.</summary>
    Task<JobState> Cancel();

    /// <summary>Scheduler: a held job's tenant has room in its quota; the job becomes Queued. Repeating it is harmless.</summary>
    Task<JobState> Release();

    /// <summary>Scheduler: hands the job to a worker.</summary>
    Task<JobState> Lease(LeaseInfo lease);

    /// <summary>Scheduler: takes the lease back (expired, silo dead); requeues or fails the job by its retry budget.</summary>
    Task<JobState> TakeBack(Guid token, AttemptOutcome reason, string detail);

    /// <summary>Scheduler: the job waited in the queue past its time to live.</summary>
    Task<JobState> Expire(string detail);

    Task<JobState> Start(Guid token);

    /// <summary>Coarse progress; the answer tells the worker whether to go on.</summary>
    Task<LeaseStatus> ReportProgress(Guid token, JobProgress progress);

    Task<JobState> BeginUpload(Guid token);

    /// <summary>
    /// The lease holder asks for a finished job of the same render (<see cref="RenderKey"/>) whose files it may copy
    /// instead of rendering: of the job's own tenant, or of any with Turbo:Dedupe:AcrossTenants. Null when there is none.
    /// </summary>
    Task<JobState?> FindRender(Guid token, string contentKey);

    /// <summary>Commits the artifact. Repeating it with the same token answers the same record.</summary>
    Task<JobState> Complete(Guid token, ArtifactRef artifact);

    /// <summary>The worker's attempt failed (or stopped after a cancel, or was handed back while draining).</summary>
    Task<JobState> Fail(Guid token, AttemptOutcome reason, string detail);
}
