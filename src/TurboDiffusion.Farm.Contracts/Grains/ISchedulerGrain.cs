using System.Collections.Immutable;
using Orleans.Concurrency;

namespace TurboDiffusion.Farm.Contracts;

/// <summary>
/// The queue of one pool, keyed by pool name. Admits jobs within bounds, leases them to pulling workers
/// (priority with ageing, fair share between tenants, warm-model affinity) and takes back leases that are
/// not heartbeated or whose silo died.
/// </summary>
public interface ISchedulerGrain : IGrainWithStringKey
{
    /// <summary>
    /// Queues the job within the pool's bound and the tenant's quota. With <paramref name="mayHold"/> (a batch item) a
    /// job over the quota, or behind the tenant's held jobs, is held instead of refused: the caller records it Held and
    /// the scheduler releases it (<see cref="IJobGrain.Release"/>) as the tenant's queue drains, oldest first.
    /// </summary>
    Task<AdmissionDecision> Enqueue(QueueTicket ticket, bool mayHold);

    /// <summary>What <paramref name="tenant"/> could still submit to this pool now.</summary>
    [ReadOnly]
    Task<AdmissionRoom> Room(string tenant);

    /// <summary>The next job for this worker, or null when nothing fits.</summary>
    Task<JobLease?> LeaseNext(LeaseRequest request);

    Task<HeartbeatReply> Heartbeat(string jobId, Guid token);

    /// <summary>The job grain ended the lease: <paramref name="outcome"/> says whether the job goes back to the queue, succeeded, and what it cost.</summary>
    Task Release(string jobId, Guid token, LeaseEnd outcome);

    /// <summary>A queued or held job was canceled: drop its ticket.</summary>
    Task Forget(string jobId);

    /// <summary>A leased job was canceled: its next heartbeat answers <see cref="LeaseStatus.CancelRequested"/>.</summary>
    Task RequestCancel(string jobId);

    [ReadOnly]
    Task<QueueSnapshot> GetSnapshot();

    /// <summary>
    /// Where a queued, held or leased job stands: for a waiting job its place, the work ahead, the workers that can
    /// render it, its expected start and finish and why it waits (the jobs ahead and the busy workers, its tenant's fair
    /// share, a model switch, no worker able to render it, or its tenant's quota); for a leased job its expected
    /// finish. Null when the job is none of these here. Positions are computed from per-bucket views of the queue kept
    /// for up to a second, never by walking the whole queue.
    /// </summary>
    [ReadOnly]
    Task<JobEstimate?> Estimate(string jobId);

    /// <summary>The estimates of several jobs at once (the dashboard's page), by job id; jobs not waiting or leased here are left out.</summary>
    [ReadOnly]
    Task<ImmutableDictionary<string, JobEstimate>> Estimates(ImmutableArray<string> jobIds);
}
