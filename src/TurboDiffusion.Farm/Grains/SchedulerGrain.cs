using System.Collections.Immutable;
using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;
using Orleans.Runtime;
using TurboDiffusion.Farm.Contracts;
using TurboDiffusion.Farm.Metrics;
using TurboDiffusion.Farm.Options;
using TurboDiffusion.Farm.Scheduling;
using TurboDiffusion.Farm.Stores;

namespace TurboDiffusion.Farm.Grains;

/// <summary>
/// The queue of one pool. Reentrant: every method changes its in-memory queue and lease table synchronously and
/// only then awaits a job grain, so turns may interleave at awaits without seeing half-made changes, and a job
/// grain calling back (enqueue, release) never waits on a scheduler that waits on it. The queue itself is not
/// persisted: on activation it is rebuilt from the store's index of the pool's unfinished jobs. Batch items over
/// their tenant's quota are held (stored Held, ticket in <see cref="HeldJobs"/>) and released by the sweep as the
/// tenant's queue drains; the pool's bound counts queued and held jobs together. A tenant's quota counts its queued
/// jobs or their estimated GPU-seconds (<see cref="JobCost"/>), as configured. Waiting and running jobs' estimates
/// price work by what the pool's rendered jobs measured (<see cref="MeasuredCosts"/>), falling back to Turbo:Cost.
/// </summary>
[Reentrant]
internal sealed partial class SchedulerGrain(
    IJobStore store,
    IOptions<SchedulerOptions> schedulerOptions,
    IOptions<LeaseOptions> leaseOptions,
    IOptions<AdmissionOptions> admissionOptions,
    JobCost cost,
    JobCostEstimate estimate,
    IClusterMembershipService membership,
    TimeProvider time,
    FarmMetrics metrics,
    ILogger<SchedulerGrain> logger) : Grain, ISchedulerGrain
{
    private const int MaxReleasesPerSweep = 1000;

    private readonly PoolQueue queue = new(schedulerOptions.Value,
        new SwitchPrice(schedulerOptions.Value, new ModelLoads(schedulerOptions.Value.ModelLoadTime), new MeasuredCosts(estimate)));

    private readonly HeldJobs held = new();
    private readonly LeaseTable leases = new();
    private readonly WorkerSightings workers = new();
    private readonly PoolHistory history = new();

    /// <summary>Jobs whose stored state could not be read when the scheduler needed it; each sweep reads them again.</summary>
    private readonly HashSet<string> unreconciled = new(StringComparer.Ordinal);

    private string Pool => this.GetPrimaryKeyString();

    private MeasuredCosts Costs => queue.Price.Costs;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var active = await store.ListActiveAsync(Pool, cancellationToken);
        foreach (var job in active)
        {
            if (job.Status == JobStatus.Queued)
            {
                queue.Add(TicketOf(job));
            }
            else if (job.Status == JobStatus.Held)
            {
                held.Add(TicketOf(job));
            }
            else if (job.Lease is { } lease)
            {
                // Workers that still hold these leases keep them by heartbeating; the others expire after one lease duration.
                leases.Add(Adopted(job, lease, now));
            }
        }

        LogRebuilt(Pool, queue.Count, held.Held, leases.Count);
        this.RegisterGrainTimer(Sweep, new GrainTimerCreationOptions(leaseOptions.Value.SweepInterval, leaseOptions.Value.SweepInterval) { Interleave = true });
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        // Another activation (possibly on another silo) publishes this pool from now on.
        metrics.ClearQueue(Pool);
        return Task.CompletedTask;
    }

    public Task<AdmissionDecision> Enqueue(QueueTicket ticket, bool mayHold)
    {
        if (queue.Contains(ticket.JobId))
        {
            return Task.FromResult(AdmissionDecision.Accept);
        }

        if (held.Contains(ticket.JobId))
        {
            return Task.FromResult(AdmissionDecision.Hold);
        }

        var decision = Admit(ticket, mayHold);
        if (decision.Outcome is AdmissionOutcome.QueueFull or AdmissionOutcome.OverQuota)
        {
            metrics.JobsRejected.WithLabels(Pool, decision.Outcome == AdmissionOutcome.QueueFull ? "queue_full" : "over_quota").Inc();
        }

        return Task.FromResult(decision);
    }

    public Task<AdmissionRoom> Room(string tenant)
    {
        var admission = admissionOptions.Value;
        var waiting = queue.Count + held.Count;
        var queueRoom = Math.Max(0, cost.Quota - QueuedOf(tenant));
        return Task.FromResult(new AdmissionRoom(queueRoom, held.HeldOf(tenant), Math.Max(0, admission.MaxQueuedPerPool - waiting), waiting, admission.MaxQueuedPerPool, admission.RetryAfter, cost.Unit));
    }

    /// <summary>
    /// Queues, holds or refuses. A held batch item keeps later items of its tenant held behind it, so a batch is
    /// released in its own order even when the queue drains while it is being submitted.
    /// </summary>
    private AdmissionDecision Admit(QueueTicket ticket, bool mayHold)
    {
        var admission = admissionOptions.Value;
        var waiting = queue.Count + held.Count;
        if (waiting >= admission.MaxQueuedPerPool)
        {
            return new AdmissionDecision(AdmissionOutcome.QueueFull, admission.RetryAfter,
                $"Pool '{Pool}' has {waiting} jobs waiting (queued or held), its bound (Turbo:Admission:MaxQueuedPerPool); no more fit until it drains.");
        }

        var amount = cost.Of(ticket);
        if (amount > cost.Quota)
        {
            // Never fits, however far the queue drains: holding it would hold the tenant's later items behind it for good.
            return new AdmissionDecision(AdmissionOutcome.OverQuota, admission.RetryAfter,
                $"Job {ticket.JobId} is estimated at {cost.Format(amount)}, more than tenant '{ticket.Tenant}''s whole quota of {cost.Format(cost.Quota)} ({cost.QuotaSetting}); "
                + "render fewer frames, steps or a lower resolution, or raise the quota.");
        }

        var queued = QueuedOf(ticket.Tenant);
        var overQuota = queued + amount > cost.Quota;
        if (mayHold && (overQuota || held.HeldOf(ticket.Tenant) > 0))
        {
            held.Add(ticket);
            return AdmissionDecision.Hold;
        }

        if (overQuota)
        {
            return new AdmissionDecision(AdmissionOutcome.OverQuota, admission.RetryAfter,
                $"Tenant '{ticket.Tenant}' has {cost.Format(queued)} queued in pool '{Pool}' of its quota of {cost.Format(cost.Quota)} ({cost.QuotaSetting}); "
                + $"this job needs {cost.Format(amount)} and {cost.Format(Math.Max(0, cost.Quota - queued))} would fit until its queue drains (a batch upload is held instead of refused).");
        }

        queue.Add(ticket);
        return AdmissionDecision.Accept;
    }

    /// <summary>
    /// What counts against a tenant's quota, in its unit: its queued jobs and its held jobs being released into the
    /// queue, or their estimated GPU-seconds.
    /// </summary>
    private double QueuedOf(string tenant) => admissionOptions.Value.CountsGpuSeconds
        ? queue.GpuSecondsOf(tenant) + held.ReleasingGpuSecondsOf(tenant)
        : queue.CountOf(tenant) + held.ReleasingOf(tenant);

    public async Task<JobLease?> LeaseNext(LeaseRequest request)
    {
        var started = Stopwatch.GetTimestamp();
        workers.Saw(request, time.GetUtcNow());
        while (true)
        {
            var now = time.GetUtcNow();
            if (queue.TakeNext(request, now) is not { } ticket)
            {
                return null;
            }

            var token = Guid.NewGuid();
            var expiresAt = now + leaseOptions.Value.Duration;
            var granted = new ActiveLease(ticket.JobId, token, request.WorkerId, request.Silo, ticket, expiresAt, false, now);
            leases.Add(granted);
            JobState job;
            try
            {
                job = await Job(ticket.JobId).Lease(new LeaseInfo(token, request.WorkerId, request.Silo, now));
            }
            catch (Exception e) when (e is InvalidJobTransitionException or JobNotFoundException)
            {
                // Canceled, gone or leased since it was queued: its ticket was stale, try the next one.
                leases.Remove(ticket.JobId, token);
                LogStaleTicket(Pool, ticket.JobId, e.Message);
                await ReconcileAsync(ticket.JobId);
                continue;
            }
            catch (Exception e)
            {
                // The grant may be stored although the call failed (a store reply lost in an outage): queuing the ticket
                // again would make the next offer find the job leased and drop it. The lease stays, due at the next
                // sweep, which takes it back if it was stored and queues the job again if it was not.
                leases.Add(granted with { ExpiresAt = now, Unconfirmed = true });
                LogLeaseFailed(Pool, ticket.JobId, e);
                throw;
            }

            metrics.QueueWait.WithLabels(Pool, FarmMetrics.Label(ticket.Priority)).Observe((now - ticket.QueuedAt).TotalSeconds);
            metrics.LeaseOverhead.WithLabels(Pool).Observe(Stopwatch.GetElapsedTime(started).TotalSeconds);
            return new JobLease(ticket.JobId, token, job.Spec, job.EngineFailures + job.InfrastructureRequeues + 1, expiresAt);
        }
    }

    public Task<HeartbeatReply> Heartbeat(string jobId, Guid token)
    {
        var now = time.GetUtcNow();
        if (!leases.TryGet(jobId, token, out var lease))
        {
            return Task.FromResult(new HeartbeatReply(LeaseStatus.Lost, now));
        }

        var expiresAt = now + leaseOptions.Value.Duration;
        leases.Extend(lease, expiresAt);
        return Task.FromResult(new HeartbeatReply(lease.CancelRequested ? LeaseStatus.CancelRequested : LeaseStatus.Active, expiresAt));
    }

    public Task Release(string jobId, Guid token, LeaseEnd outcome)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        if (outcome.Measured is { LoadSeconds: { } load } measured && leases.TryGet(jobId, token, out var lease))
        {
            queue.Price.Loads.Record(lease.WorkerId, measured.Model, load);
        }

        leases.Remove(jobId, token);
        if (outcome.Requeue is not null)
        {
            queue.Add(outcome.Requeue);
        }

        if (outcome.Succeeded)
        {
            history.Finished(time.GetUtcNow());
        }

        if (outcome.Measured is not null)
        {
            Costs.Record(outcome.Measured);
        }

        return Task.CompletedTask;
    }

    public Task Forget(string jobId)
    {
        if (!queue.Remove(jobId))
        {
            held.Remove(jobId);
        }

        return Task.CompletedTask;
    }

    public Task RequestCancel(string jobId)
    {
        leases.MarkCancelRequested(jobId);
        return Task.CompletedTask;
    }

    public Task<JobEstimate?> Estimate(string jobId) => Task.FromResult(EstimateOf(jobId, Estimator(time.GetUtcNow())));

    public Task<ImmutableDictionary<string, JobEstimate>> Estimates(ImmutableArray<string> jobIds)
    {
        var estimator = Estimator(time.GetUtcNow());
        var found = ImmutableDictionary.CreateBuilder<string, JobEstimate>(StringComparer.Ordinal);
        foreach (var jobId in jobIds.IsDefault ? [] : jobIds.Distinct(StringComparer.Ordinal))
        {
            if (EstimateOf(jobId, estimator) is { } estimate)
            {
                found.Add(jobId, estimate);
            }
        }

        return Task.FromResult(found.ToImmutable());
    }

    private WaitEstimator Estimator(DateTimeOffset now)
    {
        var byWorker = leases.ByWorker();
        return new WaitEstimator(Pool, workers.Current([.. byWorker.Keys], now), byWorker, Costs.Of, now);
    }

    private JobEstimate? EstimateOf(string jobId, WaitEstimator estimator)
    {
        if (queue.Find(jobId) is { } ticket)
        {
            return estimator.Queued(ticket, queue.Place(ticket, t => Costs.Of(t).Seconds, Costs.Version, time.GetUtcNow()));
        }

        if (held.Find(jobId) is { } heldTicket)
        {
            return estimator.Held(heldTicket,
                $"Held: tenant '{heldTicket.Tenant}' has {cost.Format(QueuedOf(heldTicket.Tenant))} queued in pool '{Pool}', its quota is {cost.Format(cost.Quota)} ({cost.QuotaSetting}); "
                + $"{held.CountAhead(heldTicket)} of its held jobs go first, and this one ({cost.Format(cost.Of(heldTicket))}) is queued as the queue drains.");
        }

        return leases.Find(jobId) is { } lease ? estimator.Leased(lease) : null;
    }

    public Task<QueueSnapshot> GetSnapshot() => Task.FromResult(Snapshot(time.GetUtcNow()));

    private QueueSnapshot Snapshot(DateTimeOffset now) => queue.Snapshot(Pool, leases.Count, now) with
    {
        Held = held.Count,
        BacklogGpuSeconds = queue.GpuSeconds + held.GpuSeconds,
        QuotaUnit = cost.Unit,
        QueuedInUnit = admissionOptions.Value.CountsGpuSeconds ? queue.GpuSeconds : queue.Count,
        HeldInUnit = admissionOptions.Value.CountsGpuSeconds ? held.GpuSeconds : held.Held,
        History = history.LastHour(now),
        ModelLoads = queue.Price.Loads.Measured(),
    };

    private async Task Sweep(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var dead = membership.CurrentSnapshot.Members.Values
            .Where(m => m.Status == SiloStatus.Dead)
            .Select(m => m.SiloAddress.ToParsableString())
            .ToHashSet(StringComparer.Ordinal);
        foreach (var (lease, reason) in leases.TakeLost(now, dead))
        {
            await TakeBack(lease, reason);
        }

        foreach (var ticket in queue.TakeQueuedBefore(now - schedulerOptions.Value.QueueTimeToLive))
        {
            await ExpireQueued(ticket);
        }

        await RetryReconcileAsync();
        await ReleaseHeld();
        history.Observe(queue.Count, now);
        metrics.Queue(Snapshot(now));
    }

    /// <summary>
    /// Queues held jobs while their tenants' quotas have room, a bounded number per sweep. The jobs are released
    /// together, but queued only once all have answered, in one turn: a worker leasing meanwhile (the grain is
    /// reentrant) must not take a later one of them before an earlier one is queued.
    /// </summary>
    private async Task ReleaseHeld()
    {
        var due = held.TakeReleasable(tenant => cost.Quota - QueuedOf(tenant), cost.Of, MaxReleasesPerSweep);
        foreach (var released in await Task.WhenAll(due.Select(Release)))
        {
            if (released is not null)
            {
                queue.Add(released);
            }
        }
    }

    /// <returns>The ticket to queue; null when the job is not queued (canceled, gone, or its release failed and it stays held).</returns>
    private async Task<QueueTicket?> Release(QueueTicket ticket)
    {
        try
        {
            var job = await Job(ticket.JobId).Release();
            held.Settle(ticket.JobId);
            return job.Status == JobStatus.Queued ? TicketOf(job) : null;
        }
        catch (Exception e) when (e is InvalidJobTransitionException or JobNotFoundException)
        {
            // Canceled or gone while held: nothing to queue.
            held.Settle(ticket.JobId);
            LogReleaseSkipped(Pool, ticket.JobId, e.Message);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            held.Return(ticket);
            LogReleaseFailed(Pool, ticket.JobId, e);
        }

        return null;
    }

    private async Task TakeBack(ActiveLease lease, AttemptOutcome reason)
    {
        var detail = lease.Unconfirmed ? $"the lease to worker {lease.WorkerId} could not be confirmed (the call granting it failed)"
            : reason == AttemptOutcome.SiloLost ? $"silo {lease.Silo} of worker {lease.WorkerId} was declared dead"
            : $"worker {lease.WorkerId} did not heartbeat within {leaseOptions.Value.Duration.TotalSeconds:0.#} s (Turbo:Lease:Duration)";
        try
        {
            var job = await Job(lease.JobId).TakeBack(lease.Token, reason, detail);
            if (job.Status == JobStatus.Queued)
            {
                queue.Add(TicketOf(job));
            }

            LogTakenBack(Pool, lease.JobId, reason, job.Status);
        }
        catch (Exception e) when (e is LeaseExpiredException or InvalidJobTransitionException or JobNotFoundException)
        {
            // The job moved on before the sweep (completed, failed, canceled): nothing to take back. One that went back
            // to the queue while its release to this scheduler was lost (a timeout, a silo on the way) must not be
            // stranded outside the queue.
            LogTakeBackSkipped(Pool, lease.JobId, e.Message);
            await ReconcileAsync(lease.JobId);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Keep the lease so the next sweep tries again; the job must not be stranded leased to a dead worker.
            leases.Add(lease);
            LogTakeBackFailed(Pool, lease.JobId, e);
        }
    }

    /// <summary>
    /// Brings a job this scheduler lost track of back under its care from its stored state: queued again when it is
    /// queued but not in the queue, or its lease adopted when it is leased under a token the lease table does not hold
    /// (a grant whose reply was lost). An adopted lease is kept by its worker's heartbeats if one holds it, and taken
    /// back by the sweep otherwise. When the job cannot be read, the next sweep tries again.
    /// </summary>
    private async Task ReconcileAsync(string jobId)
    {
        JobState? job;
        try
        {
            job = await Job(jobId).GetState();
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            unreconciled.Add(jobId);
            LogReconcileFailed(Pool, jobId, e);
            return;
        }

        if (job is null || queue.Contains(jobId) || leases.Find(jobId) is not null)
        {
            return;
        }

        if (job.Status == JobStatus.Queued)
        {
            queue.Add(TicketOf(job));
        }
        else if (!job.Status.IsTerminal() && job.Lease is { } lease)
        {
            leases.Add(Adopted(job, lease, time.GetUtcNow()));
            LogLeaseAdopted(Pool, jobId, lease.WorkerId, job.Status);
        }
    }

    private async Task RetryReconcileAsync()
    {
        var due = unreconciled.ToList();
        unreconciled.Clear();
        foreach (var jobId in due)
        {
            await ReconcileAsync(jobId);
        }
    }

    private async Task ExpireQueued(QueueTicket ticket)
    {
        var detail = $"waited longer than {schedulerOptions.Value.QueueTimeToLive} in pool '{Pool}' (Turbo:Scheduler:QueueTimeToLive)";
        try
        {
            await Job(ticket.JobId).Expire(detail);
        }
        catch (Exception e) when (e is InvalidJobTransitionException or JobNotFoundException)
        {
            LogTakeBackSkipped(Pool, ticket.JobId, e.Message);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            queue.Add(ticket);
            LogTakeBackFailed(Pool, ticket.JobId, e);
        }
    }

    /// <summary>
    /// A lease the job holds that this scheduler did not grant in this activation (found at activation or by a
    /// reconcile): its worker keeps it by heartbeating, else it expires one lease duration from <paramref name="now"/>.
    /// </summary>
    private ActiveLease Adopted(JobState job, LeaseInfo lease, DateTimeOffset now) =>
        new(job.JobId, lease.Token, lease.WorkerId, lease.Silo, TicketOf(job), now + leaseOptions.Value.Duration, job.CancelRequested, lease.GrantedAt);

    private QueueTicket TicketOf(JobState job) => cost.TicketOf(job.JobId, job.Spec, job.Timings.QueuedAt, job.Timings.SubmittedAt);

    private IJobGrain Job(string jobId) => GrainFactory.GetGrain<IJobGrain>(jobId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Scheduler {Pool} activated: {Queued} queued, {Held} held and {Leased} leased jobs restored from the store")]
    private partial void LogRebuilt(string pool, int queued, int held, int leased);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Scheduler {Pool}: held job {JobId} was not released: {Reason}")]
    private partial void LogReleaseSkipped(string pool, string jobId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Scheduler {Pool}: releasing held job {JobId} failed; it stays held and the next sweep tries again")]
    private partial void LogReleaseFailed(string pool, string jobId, Exception exception);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Scheduler {Pool}: dropped stale ticket of job {JobId}: {Reason}")]
    private partial void LogStaleTicket(string pool, string jobId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Scheduler {Pool}: leasing job {JobId} failed; the next sweep takes the lease back if it was stored, or queues the job again")]
    private partial void LogLeaseFailed(string pool, string jobId, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Scheduler {Pool}: could not read job {JobId} to queue it again or adopt its lease; will retry on the next sweep")]
    private partial void LogReconcileFailed(string pool, string jobId, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Scheduler {Pool}: job {JobId} is {Status} under a lease of worker {WorkerId} this scheduler did not track; adopted it")]
    private partial void LogLeaseAdopted(string pool, string jobId, string workerId, JobStatus status);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Scheduler {Pool}: took back the lease of job {JobId} ({Reason}); job is now {Status}")]
    private partial void LogTakenBack(string pool, string jobId, AttemptOutcome reason, JobStatus status);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Scheduler {Pool}: job {JobId} had already moved on: {Reason}")]
    private partial void LogTakeBackSkipped(string pool, string jobId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Scheduler {Pool}: could not take back job {JobId}; will retry on the next sweep")]
    private partial void LogTakeBackFailed(string pool, string jobId, Exception exception);
}
