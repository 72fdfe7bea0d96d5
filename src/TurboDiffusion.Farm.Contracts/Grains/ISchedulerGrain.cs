using Orleans.Concurrency;

namespace TurboDiffusion.Farm.Contracts;

/// <summary>
/// The queue of one pool, keyed by pool name. Admits jobs within bounds, leases them to pulling workers
/// (priority with ageing, fair share between tenants, warm-model affinity) and takes back leases that are
/// not heartbeated or whose silo died.
/// </summary>
public interface ISchedulerGrain : IGrainWithStringKey
{
    Task<AdmissionDecision> Enqueue(QueueTicket ticket);

    /// <summary>The next job for this worker, or null when nothing fits.</summary>
    Task<JobLease?> LeaseNext(LeaseRequest request);

    Task<HeartbeatReply> Heartbeat(string jobId, Guid token);

    /// <summary>The job grain ended the lease; <paramref name="requeue"/> puts the job back in the queue.</summary>
    Task Release(string jobId, Guid token, QueueTicket? requeue);

    /// <summary>A queued job was canceled: drop its ticket.</summary>
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
