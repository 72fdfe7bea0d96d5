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

    /// <summary>The job grain ended the lease; <paramref name="requeue"/> puts the job back in the queue.</summary>
    Task Release(string jobId, Guid token, QueueTicket? requeue);

    /// <summary>A queued or held job was canceled: drop its ticket.</summary>
    Task Forget(string jobId);

    /// <summary>A leased job was canceled: its next heartbeat answers <see cref="LeaseStatus.CancelRequested"/>.</summary>
    Task RequestCancel(string jobId);

    [ReadOnly]
    Task<QueueSnapshot> GetSnapshot();

    /// <summary>
    /// Why a queued job still waits, in one sentence: the jobs ahead of it and how many of the workers that can render
    /// it are busy, or that no worker of the pool has the device memory for its model at its resolution, or that no
    /// worker serves the pool. Null when the job is not queued in this pool.
    /// </summary>
    Task<string?> WaitingReason(string jobId);
}
