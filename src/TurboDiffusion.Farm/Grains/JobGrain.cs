using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TurboDiffusion.Farm.Contracts;
using TurboDiffusion.Farm.Metrics;
using TurboDiffusion.Farm.Options;
using TurboDiffusion.Farm.Scheduling;
using TurboDiffusion.Farm.Stores;
using TurboDiffusion.Farm.Webhooks;

namespace TurboDiffusion.Farm.Grains;

/// <summary>
/// One job's record and rules. Every change is written to the job store (compare-and-set on the version)
/// before it is answered, so a new activation elsewhere continues from the stored record. Calls go one way
/// to the scheduler only (which is reentrant), so the two never wait on each other.
/// </summary>
internal sealed partial class JobGrain(
    IJobStore store,
    IWebhookOutbox webhooks,
    IOptions<SchedulerOptions> schedulerOptions,
    IOptions<LeaseOptions> leaseOptions,
    IOptions<DedupeOptions> dedupeOptions,
    JobCost cost,
    TimeProvider time,
    FarmMetrics metrics,
    ILogger<JobGrain> logger) : Grain, IJobGrain
{
    private JobState? state;
    private AttemptClock clock = new();

    private string JobId => this.GetPrimaryKeyString();

    public override async Task OnActivateAsync(CancellationToken cancellationToken) =>
        state = await store.GetAsync(JobId, cancellationToken);

    public async Task<SubmitResult> Submit(JobSpec spec, string? batchId, DateTimeOffset? submittedAt)
    {
        JobSpecValidator.EnsureValid(spec);
        if (state is not null)
        {
            return Repeat(spec, state);
        }

        var now = submittedAt ?? time.GetUtcNow();
        var pool = schedulerOptions.Value.PoolFor(spec.Model);
        var ticket = cost.TicketOf(JobId, spec, now, now);
        var admission = await Scheduler(pool).Enqueue(ticket, mayHold: batchId is not null);
        if (!admission.IsAdmitted)
        {
            LogRejected(JobId, pool, admission.Outcome, admission.Reason);
            return new SubmitResult(JobId, SubmitOutcome.Rejected, null, admission);
        }

        var created = admission.IsAccepted ? JobState.Submitted(JobId, spec, pool, batchId, now) : JobState.SubmittedHeld(JobId, spec, pool, batchId!, now);
        if (!await store.TryCreateAsync(created))
        {
            // Another activation recorded it first (a split-brain window); the store has the last word.
            state = await store.GetAsync(JobId) ?? throw new JobNotFoundException(JobId);
            return Repeat(spec, state);
        }

        state = created;
        metrics.JobsSubmitted.WithLabels(pool, FarmMetrics.Label(spec.Priority)).Inc();
        await AnnounceAsync(created);
        return new SubmitResult(JobId, SubmitOutcome.Accepted, state);
    }

    public Task<JobState?> GetState() => Task.FromResult(state);

    public async Task<JobState> Cancel()
    {
        var job = Current();
        var next = job.CancelAsked(time.GetUtcNow());
        if (next == job)
        {
            return job;
        }

        await Save(next);
        if (next.Status == JobStatus.Canceled)
        {
            metrics.Finished(next);
            await Scheduler(next.Pool).Forget(JobId);
        }
        else
        {
            await Scheduler(next.Pool).RequestCancel(JobId);
        }

        LogCanceled(JobId, job.Status);
        return next;
    }

    public async Task<JobState> Release()
    {
        var job = Current();
        var next = job.Released(time.GetUtcNow());
        return next == job ? job : await Save(next);
    }

    public Task<JobState> Lease(LeaseInfo lease)
    {
        clock = new AttemptClock();
        return Save(Current().Leased(lease, time.GetUtcNow()));
    }

    public async Task<JobState> TakeBack(Guid token, AttemptOutcome reason, string detail)
    {
        var job = Current();
        if (job.Lease?.Token != token)
        {
            throw new LeaseExpiredException(JobId, token);
        }

        var next = await Save(RetryPolicy.AfterAttempt(job, null, reason, detail, leaseOptions.Value, time.GetUtcNow()));
        Ended(next, reason, detail);
        return next;
    }

    public async Task<JobState> Expire(string detail)
    {
        var next = await Save(Current().Expired(detail, time.GetUtcNow()));
        metrics.Finished(next);
        return next;
    }

    public Task<JobState> Start(Guid token) => Save(Current().Started(token, time.GetUtcNow()));

    public Task<LeaseStatus> ReportProgress(Guid token, JobProgress progress)
    {
        var job = Current();
        if (job.Lease?.Token != token || !job.Status.IsLeased())
        {
            return Task.FromResult(LeaseStatus.Lost);
        }

        if (job.Status != JobStatus.Leased)
        {
            state = job.Progressed(token, progress);
            clock.Observe(progress, time.GetUtcNow());
        }

        return Task.FromResult(job.CancelRequested ? LeaseStatus.CancelRequested : LeaseStatus.Active);
    }

    public Task<JobState> BeginUpload(Guid token) => Save(Current().UploadStarted(token, time.GetUtcNow()));

    public async Task<JobState?> FindRender(Guid token, string contentKey)
    {
        var job = Current();
        if (job.Lease?.Token != token)
        {
            throw new LeaseExpiredException(JobId, token);
        }

        if (!RenderKey.IsWellFormed(contentKey))
        {
            throw new ArgumentException($"'{contentKey}' is not a render key (64 lowercase hex digits).", nameof(contentKey));
        }

        var source = await store.FindRenderAsync(contentKey, dedupeOptions.Value.AcrossTenants ? null : job.Spec.Tenant);
        return source?.JobId == JobId ? null : source;
    }

    public async Task<JobState> Complete(Guid token, ArtifactRef artifact)
    {
        var job = Current();
        var next = job.Succeeded(token, artifact, time.GetUtcNow());
        if (next == job)
        {
            return job;
        }

        await Save(next);
        Ended(next, AttemptOutcome.Succeeded, null);
        var measured = artifact.ReusedFrom is null && job.Timings.LeasedAt is { } leasedAt && next.Timings.FinishedAt is { } finishedAt
            ? clock.Sample(next.Spec, leasedAt, finishedAt)
            : null;
        try
        {
            await Scheduler(next.Pool).Release(JobId, token, new LeaseEnd(null, Succeeded: true, measured));
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // The success is stored and stands: answering with this error would make the worker take its committed
            // video for a failed upload. The scheduler's sweep drops the lease when it finds the job finished.
            LogReleaseFailed(JobId, next.Pool, e);
        }

        return next;
    }

    public async Task<JobState> Fail(Guid token, AttemptOutcome reason, string detail)
    {
        // Announced once back in the queue, so a job.queued webhook carries where it stands there.
        var next = await Save(RetryPolicy.AfterAttempt(Current(), token, reason, detail, leaseOptions.Value, time.GetUtcNow()), announce: false);
        Ended(next, reason, detail);
        var requeue = next.Status == JobStatus.Queued
            ? cost.TicketOf(JobId, next.Spec, next.Timings.QueuedAt, next.Timings.SubmittedAt)
            : null;
        await Scheduler(next.Pool).Release(JobId, token, new LeaseEnd(requeue));
        await AnnounceAsync(next);
        return next;
    }

    private SubmitResult Repeat(JobSpec spec, JobState existing) =>
        new(JobId, existing.Spec == spec ? SubmitOutcome.Duplicate : SubmitOutcome.Conflict, existing);

    private JobState Current() => state ?? throw new JobNotFoundException(JobId);

    private async Task<JobState> Save(JobState next, bool announce = true)
    {
        try
        {
            await store.UpdateAsync(Current(), next);
        }
        catch (JobStoreConflictException e)
        {
            LogConflict(JobId, e.Message);
            state = await store.GetAsync(JobId);
            throw;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // The write may have landed although its reply was lost: the state held here can no longer be trusted,
            // and the next call reads it afresh from the store.
            DeactivateOnIdle();
            throw;
        }

        var previous = state;
        state = next;
        if (announce && previous?.Status != next.Status)
        {
            await AnnounceAsync(next);
        }

        return next;
    }

    /// <summary>
    /// Queues the webhook of a state change; a job.queued announcement carries the scheduler's estimate of where the job
    /// stands. The change is already stored and stands: a failed outbox write loses only this announcement, which is
    /// logged with its delivery id rather than failing the worker's or client's call.
    /// </summary>
    private async Task AnnounceAsync(JobState job)
    {
        if (WebhookDelivery.For(job, time.GetUtcNow(), await WaitEstimateAsync(job)) is not { } delivery)
        {
            return;
        }

        try
        {
            await webhooks.AddAsync(delivery);
        }
        catch (JobStoreException e)
        {
            LogWebhookLost(JobId, delivery.Id, e);
        }
    }

    /// <summary>The estimate a job.queued webhook carries; none for other announcements, or when the scheduler cannot say.</summary>
    private async Task<JobEstimate?> WaitEstimateAsync(JobState job)
    {
        if (job.Spec.Webhook is null || job.Status != JobStatus.Queued)
        {
            return null;
        }

        try
        {
            return await Scheduler(job.Pool).Estimate(JobId);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            LogEstimateFailed(JobId, e);
            return null;
        }
    }

    private void Ended(JobState next, AttemptOutcome reason, string? detail)
    {
        metrics.JobAttempts.WithLabels(next.Pool, reason.Label()).Inc();
        if (next.Status.IsTerminal())
        {
            metrics.Finished(next);
        }

        LogAttemptEnded(JobId, reason, next.Status, detail ?? "");
    }

    private ISchedulerGrain Scheduler(string pool) => GrainFactory.GetGrain<ISchedulerGrain>(pool);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId} rejected by pool {Pool}: {Outcome} ({Reason})")]
    private partial void LogRejected(string jobId, string pool, AdmissionOutcome outcome, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId} cancel requested while {Status}")]
    private partial void LogCanceled(string jobId, JobStatus status);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId} attempt ended ({Reason}); job is now {Status}. {Detail}")]
    private partial void LogAttemptEnded(string jobId, AttemptOutcome reason, JobStatus status, string detail);

    [LoggerMessage(Level = LogLevel.Error, Message = "Job {JobId}: webhook delivery {DeliveryId} could not be queued; the receiver will not hear of this change")]
    private partial void LogWebhookLost(string jobId, string deliveryId, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId} succeeded, but its lease in pool {Pool} could not be released; the scheduler's sweep drops it")]
    private partial void LogReleaseFailed(string jobId, string pool, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId}: the scheduler gave no estimate for its job.queued webhook, which goes without one")]
    private partial void LogEstimateFailed(string jobId, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId}: the stored record changed under this activation; reloaded. {Detail}")]
    private partial void LogConflict(string jobId, string detail);
}
