using TurboDiffusion.Farm.Contracts;

namespace TurboDiffusion.Farm.Scheduling;

/// <summary>An outstanding lease as the scheduler tracks it: when it expires unless heartbeated, and the silo holding it.</summary>
/// <param name="LeasedAt">When the job was leased: how long its worker has been at it.</param>
/// <param name="Unconfirmed">The call granting it failed, so the job may or may not be leased under it; no worker holds it.</param>
internal sealed record ActiveLease(string JobId, Guid Token, string WorkerId, string Silo, QueueTicket Ticket, DateTimeOffset ExpiresAt, bool CancelRequested, DateTimeOffset LeasedAt, bool Unconfirmed = false);

/// <summary>The leases a scheduler has granted; heartbeats extend them, sweeps collect the expired and those of dead silos.</summary>
internal sealed class LeaseTable
{
    private readonly Dictionary<string, ActiveLease> leases = [];

    public int Count => leases.Count;

    /// <summary>The workers holding a lease now.</summary>
    public IReadOnlySet<string> Workers => leases.Values.Select(l => l.WorkerId).ToHashSet(StringComparer.Ordinal);

    /// <summary>Each worker's latest lease: what it is rendering now.</summary>
    public IReadOnlyDictionary<string, ActiveLease> ByWorker()
    {
        var byWorker = new Dictionary<string, ActiveLease>(StringComparer.Ordinal);
        foreach (var lease in leases.Values)
        {
            if (!byWorker.TryGetValue(lease.WorkerId, out var other) || other.LeasedAt < lease.LeasedAt)
            {
                byWorker[lease.WorkerId] = lease;
            }
        }

        return byWorker;
    }

    public ActiveLease? Find(string jobId) => leases.GetValueOrDefault(jobId);

    public void Add(ActiveLease lease) => leases[lease.JobId] = lease;

    public bool TryGet(string jobId, Guid token, out ActiveLease lease)
    {
        if (leases.TryGetValue(jobId, out var found) && found.Token == token)
        {
            lease = found;
            return true;
        }

        lease = null!;
        return false;
    }

    public bool Remove(string jobId, Guid token) => leases.TryGetValue(jobId, out var found) && found.Token == token && leases.Remove(jobId);

    public void Extend(ActiveLease lease, DateTimeOffset expiresAt) => leases[lease.JobId] = lease with { ExpiresAt = expiresAt };

    public void MarkCancelRequested(string jobId)
    {
        if (leases.TryGetValue(jobId, out var lease))
        {
            leases[jobId] = lease with { CancelRequested = true };
        }
    }

    /// <summary>Removes and returns leases past their expiry or held by a dead silo, with the reason for each.</summary>
    public IReadOnlyList<(ActiveLease Lease, AttemptOutcome Reason)> TakeLost(DateTimeOffset now, IReadOnlySet<string> deadSilos)
    {
        var lost = leases.Values
            .Select(l => (Lease: l, Reason: deadSilos.Contains(l.Silo) ? AttemptOutcome.SiloLost : l.ExpiresAt <= now ? AttemptOutcome.LeaseExpired : (AttemptOutcome?)null))
            .Where(l => l.Reason is not null)
            .Select(l => (l.Lease, l.Reason!.Value))
            .ToList();
        foreach (var (lease, _) in lost)
        {
            leases.Remove(lease.JobId);
        }

        return lost;
    }
}
