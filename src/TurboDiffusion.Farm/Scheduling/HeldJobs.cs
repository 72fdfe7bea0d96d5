using TurboDiffusion.Farm.Contracts;

namespace TurboDiffusion.Farm.Scheduling;

/// <summary>
/// The held jobs of one pool: batch items accepted over their tenant's quota, stored Held and waiting here until the
/// tenant's queue has room. Each tenant's are released oldest first (submission time, then job id: a batch's own
/// order), and tenants take turns, so one tenant's backlog never delays another's release. A ticket being released
/// (taken, its job not yet confirmed Queued) still counts as waiting, and against its tenant's quota: in jobs and in
/// estimated GPU-seconds, whichever the quota counts.
/// </summary>
internal sealed class HeldJobs
{
    private readonly Dictionary<string, QueueTicket> tickets = [];
    private readonly Dictionary<string, SortedSet<QueueTicket>> byTenant = [];
    private readonly Dictionary<string, QueueTicket> releasing = [];
    private readonly Dictionary<string, int> releasingByTenant = [];
    private readonly Dictionary<string, double> releasingGpuSecondsByTenant = [];
    private int turn;

    /// <summary>Held and being released: what the pool's bound on waiting jobs counts.</summary>
    public int Count => tickets.Count + releasing.Count;

    /// <summary>The tickets <see cref="Count"/> counts.</summary>
    public IEnumerable<QueueTicket> Waiting => tickets.Values.Concat(releasing.Values);

    public int Held => tickets.Count;

    public bool Contains(string jobId) => tickets.ContainsKey(jobId) || releasing.ContainsKey(jobId);

    public QueueTicket? Find(string jobId) => tickets.GetValueOrDefault(jobId);

    public int HeldOf(string tenant) => byTenant.TryGetValue(tenant, out var held) ? held.Count : 0;

    public int ReleasingOf(string tenant) => releasingByTenant.GetValueOrDefault(tenant);

    public double ReleasingGpuSecondsOf(string tenant) => releasingGpuSecondsByTenant.GetValueOrDefault(tenant);

    /// <summary>The estimated GPU-seconds of the held tickets (O(held): read once a sweep for the pool's view).</summary>
    public double GpuSeconds => tickets.Values.Sum(t => t.GpuSeconds);

    /// <summary>The tenant's held jobs released before <paramref name="ticket"/>.</summary>
    public int CountAhead(QueueTicket ticket) =>
        byTenant.TryGetValue(ticket.Tenant, out var held) && held.Count > 0 ? held.GetViewBetween(held.Min!, ticket).Count - 1 : 0;

    public void Add(QueueTicket ticket)
    {
        if (Contains(ticket.JobId))
        {
            return;
        }

        tickets.Add(ticket.JobId, ticket);
        if (!byTenant.TryGetValue(ticket.Tenant, out var held))
        {
            held = new SortedSet<QueueTicket>(PoolQueue.Oldest);
            byTenant.Add(ticket.Tenant, held);
        }

        held.Add(ticket);
    }

    /// <summary>Drops a held or releasing ticket (its job was canceled).</summary>
    public bool Remove(string jobId)
    {
        if (releasing.ContainsKey(jobId))
        {
            Settle(jobId);
            return true;
        }

        if (!tickets.Remove(jobId, out var ticket))
        {
            return false;
        }

        var held = byTenant[ticket.Tenant];
        held.Remove(ticket);
        if (held.Count == 0)
        {
            byTenant.Remove(ticket.Tenant);
        }

        return true;
    }

    /// <summary>
    /// Takes up to <paramref name="max"/> tickets to release: from each tenant its oldest, while what they count
    /// (<paramref name="amount"/>) fits what <paramref name="room"/> says its quota has room for, one tenant after
    /// another in turn (the first tenant changes from call to call). A tenant whose oldest does not fit releases nothing
    /// more, so its jobs are queued in their order. The tickets count as releasing until <see cref="Settle"/> or
    /// <see cref="Return"/>.
    /// </summary>
    public IReadOnlyList<QueueTicket> TakeReleasable(Func<string, double> room, Func<QueueTicket, double> amount, int max)
    {
        var tenants = byTenant.Keys.Order(StringComparer.Ordinal).ToList();
        if (tenants.Count == 0)
        {
            return [];
        }

        var start = turn++ % tenants.Count;
        var allowance = tenants.ToDictionary(t => t, room);
        var taken = new List<QueueTicket>();
        var open = new HashSet<string>(tenants, StringComparer.Ordinal);
        while (taken.Count < max && open.Count > 0)
        {
            for (var i = 0; i < tenants.Count && taken.Count < max; i++)
            {
                var tenant = tenants[(start + i) % tenants.Count];
                if (!open.Contains(tenant))
                {
                    continue;
                }

                if (!byTenant.TryGetValue(tenant, out var held) || amount(held.Min!) > allowance[tenant])
                {
                    open.Remove(tenant);
                    continue;
                }

                var ticket = held.Min!;
                allowance[tenant] -= amount(ticket);
                Remove(ticket.JobId);
                releasing.Add(ticket.JobId, ticket);
                releasingByTenant[tenant] = ReleasingOf(tenant) + 1;
                releasingGpuSecondsByTenant[tenant] = ReleasingGpuSecondsOf(tenant) + ticket.GpuSeconds;
                taken.Add(ticket);
            }
        }

        return taken;
    }

    /// <summary>A release ended (queued, or the job was gone or canceled): the ticket leaves.</summary>
    public void Settle(string jobId)
    {
        if (!releasing.Remove(jobId, out var ticket))
        {
            return;
        }

        var left = ReleasingOf(ticket.Tenant) - 1;
        if (left == 0)
        {
            releasingByTenant.Remove(ticket.Tenant);
            releasingGpuSecondsByTenant.Remove(ticket.Tenant);
        }
        else
        {
            releasingByTenant[ticket.Tenant] = left;
            releasingGpuSecondsByTenant[ticket.Tenant] = ReleasingGpuSecondsOf(ticket.Tenant) - ticket.GpuSeconds;
        }
    }

    /// <summary>A release failed (the job grain or the store did not answer): the ticket is held again in its place.</summary>
    public void Return(QueueTicket ticket)
    {
        if (releasing.ContainsKey(ticket.JobId))
        {
            Settle(ticket.JobId);
            Add(ticket);
        }
    }
}
