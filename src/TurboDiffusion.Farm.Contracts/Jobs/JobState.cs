using System.Collections.Immutable;

namespace TurboDiffusion.Farm.Contracts;

/// <summary>
/// The record of one job, as stored. Each state change is one method below that checks the source state
/// (throwing <see cref="InvalidJobTransitionException"/>) and, for a worker's call, the lease token
/// (throwing <see cref="LeaseExpiredException"/>); each returns the next version of the record.
/// </summary>
/// <param name="Version">Increases by one per stored change; stores write by compare-and-set on it.</param>
/// <param name="EngineFailures">Attempts that ended in an engine error: these consume the job's retries.</param>
/// <param name="InfrastructureRequeues">Attempts lost to the farm (silo lost, drain, OOM, storage): these do not.</param>
/// <param name="Attempts">The latest attempts, oldest first, at most <see cref="MaxAttemptHistory"/>.</param>
[GenerateSerializer, Immutable, Alias("turbo.JobState.v1")]
public sealed record JobState(
    [property: Id(0)] string JobId,
    [property: Id(1)] JobSpec Spec,
    [property: Id(2)] string Pool,
    [property: Id(3)] string? BatchId,
    [property: Id(4)] JobStatus Status,
    [property: Id(5)] long Version,
    [property: Id(6)] JobTimings Timings,
    [property: Id(7)] int EngineFailures,
    [property: Id(8)] int InfrastructureRequeues,
    [property: Id(9)] ImmutableArray<JobAttempt> Attempts,
    [property: Id(10)] LeaseInfo? Lease = null,
    [property: Id(11)] JobProgress? Progress = null,
    [property: Id(12)] ArtifactRef? Artifact = null,
    [property: Id(13)] JobFailure? Failure = null,
    [property: Id(14)] bool CancelRequested = false)
{
    public const int MaxAttemptHistory = 16;

    public static JobState Submitted(string jobId, JobSpec spec, string pool, string? batchId, DateTimeOffset now) =>
        new(jobId, spec, pool, batchId, JobStatus.Queued, 1, new JobTimings(now, now), 0, 0, []);

    /// <summary>A batch item accepted over its tenant's quota: recorded Held, queued later by <see cref="Released"/>.</summary>
    public static JobState SubmittedHeld(string jobId, JobSpec spec, string pool, string batchId, DateTimeOffset now) =>
        new(jobId, spec, pool, batchId, JobStatus.Held, 1, new JobTimings(now, now), 0, 0, []);

    /// <summary>
    /// Held → Queued: the tenant's quota has room. The queue's time to live counts from here; the place in the queue
    /// still counts from submission. Repeating it changes nothing.
    /// </summary>
    public JobState Released(DateTimeOffset now)
    {
        if (Status == JobStatus.Queued)
        {
            return this;
        }

        EnsureStatus(JobStatus.Queued, JobStatus.Held);
        return Next(JobStatus.Queued) with { Timings = Timings with { QueuedAt = now } };
    }

    /// <summary>Queued → Leased: a worker got the job.</summary>
    public JobState Leased(LeaseInfo lease, DateTimeOffset now)
    {
        EnsureStatus(JobStatus.Leased, JobStatus.Queued);
        var attempt = new JobAttempt(EngineFailures + InfrastructureRequeues + 1, lease.WorkerId, now);
        return Next(JobStatus.Leased) with
        {
            Lease = lease,
            Progress = null,
            Attempts = Append(attempt),
            Timings = Timings with { LeasedAt = now, StartedAt = null, UploadStartedAt = null },
        };
    }

    /// <summary>Leased → Running: the engine started. Repeating it with the same token changes nothing.</summary>
    public JobState Started(Guid token, DateTimeOffset now)
    {
        EnsureLease(token);
        if (Status == JobStatus.Running)
        {
            return this;
        }

        EnsureStatus(JobStatus.Running, JobStatus.Leased);
        return Next(JobStatus.Running) with { Timings = Timings with { StartedAt = now } };
    }

    /// <summary>
    /// Records progress of the running attempt. Not a stored change: the version stays, and the latest progress is
    /// written with the next state change (the per-step record is the progress log).
    /// </summary>
    public JobState Progressed(Guid token, JobProgress progress)
    {
        EnsureLease(token);
        EnsureStatus(Status, JobStatus.Running, JobStatus.Uploading);
        return this with { Progress = progress };
    }

    /// <summary>Running → Uploading: the video is rendered and is being stored.</summary>
    public JobState UploadStarted(Guid token, DateTimeOffset now)
    {
        EnsureLease(token);
        if (Status == JobStatus.Uploading)
        {
            return this;
        }

        EnsureStatus(JobStatus.Uploading, JobStatus.Running);
        return Next(JobStatus.Uploading) with { Timings = Timings with { UploadStartedAt = now } };
    }

    /// <summary>
    /// Uploading → Succeeded with the stored artifact. A repeated completion with the same token (a retried call)
    /// answers the same record; any other token gets <see cref="LeaseExpiredException"/>.
    /// </summary>
    public JobState Succeeded(Guid token, ArtifactRef artifact, DateTimeOffset now)
    {
        if (Status == JobStatus.Succeeded && Artifact?.LeaseToken == token)
        {
            return this;
        }

        EnsureLease(token);
        EnsureStatus(JobStatus.Succeeded, JobStatus.Uploading);
        return Next(JobStatus.Succeeded) with
        {
            Lease = null,
            Artifact = artifact,
            Attempts = EndCurrentAttempt(AttemptOutcome.Succeeded, null, now),
            Timings = Timings with { FinishedAt = now },
        };
    }

    /// <summary>
    /// Leased/Running/Uploading → Queued after a failed or lost attempt that still has retries left.
    /// <paramref name="token"/> null means the farm took the lease back (expiry, dead silo) rather than the worker reporting.
    /// </summary>
    public JobState Requeued(Guid? token, AttemptOutcome reason, string detail, DateTimeOffset now)
    {
        EnsureAttemptEnd(token, JobStatus.Queued);
        return Next(JobStatus.Queued) with
        {
            Lease = null,
            Progress = null,
            EngineFailures = EngineFailures + (reason.IsInfrastructure() ? 0 : 1),
            InfrastructureRequeues = InfrastructureRequeues + (reason.IsInfrastructure() ? 1 : 0),
            Attempts = EndCurrentAttempt(reason, detail, now),
            Timings = Timings with { QueuedAt = now },
        };
    }

    /// <summary>Leased/Running/Uploading → Failed: the last attempt failed and no retries are left.</summary>
    public JobState Failed(Guid? token, AttemptOutcome reason, string detail, DateTimeOffset now)
    {
        EnsureAttemptEnd(token, JobStatus.Failed);
        return Next(JobStatus.Failed) with
        {
            Lease = null,
            EngineFailures = EngineFailures + (reason.IsInfrastructure() ? 0 : 1),
            InfrastructureRequeues = InfrastructureRequeues + (reason.IsInfrastructure() ? 1 : 0),
            Attempts = EndCurrentAttempt(reason, detail, now),
            Failure = new JobFailure(reason, detail),
            Timings = Timings with { FinishedAt = now },
        };
    }

    /// <summary>
    /// A client's cancel. Queued or Held → Canceled at once; a leased job is marked <see cref="CancelRequested"/> and ends
    /// Canceled when its worker stops (<see cref="CancelConfirmed"/>) or its lease is taken back. Repeating it changes nothing.
    /// </summary>
    public JobState CancelAsked(DateTimeOffset now)
    {
        if (Status == JobStatus.Canceled || (Status.IsLeased() && CancelRequested))
        {
            return this;
        }

        if (Status.IsLeased())
        {
            return this with { Version = Version + 1, CancelRequested = true };
        }

        EnsureStatus(JobStatus.Canceled, JobStatus.Queued, JobStatus.Held);
        return Next(JobStatus.Canceled) with { CancelRequested = true, Timings = Timings with { FinishedAt = now } };
    }

    /// <summary>Leased/Running/Uploading → Canceled: the worker stopped after a cancel, or the lease of a canceled job ended.</summary>
    public JobState CancelConfirmed(Guid? token, DateTimeOffset now)
    {
        EnsureAttemptEnd(token, JobStatus.Canceled);
        return Next(JobStatus.Canceled) with
        {
            Lease = null,
            CancelRequested = true,
            Attempts = EndCurrentAttempt(AttemptOutcome.Canceled, null, now),
            Timings = Timings with { FinishedAt = now },
        };
    }

    /// <summary>Queued → Expired: the job waited longer than the queue's time to live.</summary>
    public JobState Expired(string detail, DateTimeOffset now)
    {
        EnsureStatus(JobStatus.Expired, JobStatus.Queued);
        return Next(JobStatus.Expired) with
        {
            Failure = new JobFailure(AttemptOutcome.LeaseExpired, detail),
            Timings = Timings with { FinishedAt = now },
        };
    }

    private JobState Next(JobStatus status) => this with { Status = status, Version = Version + 1 };

    private void EnsureStatus(JobStatus target, params ReadOnlySpan<JobStatus> allowed)
    {
        if (!allowed.Contains(Status))
        {
            throw new InvalidJobTransitionException(JobId, Status, target);
        }
    }

    private void EnsureLease(Guid token)
    {
        if (Lease?.Token != token)
        {
            throw new LeaseExpiredException(JobId, token);
        }
    }

    private void EnsureAttemptEnd(Guid? token, JobStatus target)
    {
        if (token is { } held)
        {
            EnsureLease(held);
        }

        EnsureStatus(target, JobStatus.Leased, JobStatus.Running, JobStatus.Uploading);
    }

    private ImmutableArray<JobAttempt> Append(JobAttempt attempt)
    {
        var attempts = Attempts.IsDefault ? [] : Attempts;
        return attempts.Length < MaxAttemptHistory ? attempts.Add(attempt) : attempts.RemoveAt(0).Add(attempt);
    }

    private ImmutableArray<JobAttempt> EndCurrentAttempt(AttemptOutcome outcome, string? detail, DateTimeOffset now)
    {
        if (Attempts.IsDefaultOrEmpty)
        {
            return [];
        }

        var last = Attempts[^1];
        return Attempts.SetItem(Attempts.Length - 1, last with { EndedAt = now, Outcome = outcome, Detail = detail });
    }
}
