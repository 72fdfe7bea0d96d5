using System.Collections.Immutable;
using TurboDiffusion.Farm.Contracts;
using TurboDiffusion.Farm.Options;

namespace TurboDiffusion.Farm.Scheduling;

/// <summary>
/// The queued jobs of one pool. Tickets sit in FIFO buckets per (tenant, priority, model), oldest first.
/// Choosing the next job: the tenant with the least fair-share usage that has work this worker can take,
/// then among that tenant's bucket heads the highest effective priority:
/// priority level + waited time / ageing interval + warm-model bonus when the model is loaded on the worker.
/// Order and ageing count from submission, not from the latest requeue: a job handed back by a lost or drained
/// worker runs next in its priority instead of waiting behind the backlog that arrived after it.
/// Only bucket heads are compared, so a choice costs O(tenants × priorities × models), not O(jobs).
/// </summary>
internal sealed class PoolQueue(SchedulerOptions options)
{
    /// <summary>Submission order: the order of a tenant's bucket, and of its held jobs.</summary>
    internal static readonly Comparer<QueueTicket> Oldest = Comparer<QueueTicket>.Create((a, b) =>
    {
        var byTime = a.SubmittedAt.CompareTo(b.SubmittedAt);
        return byTime != 0 ? byTime : string.CompareOrdinal(a.JobId, b.JobId);
    });

    private readonly Dictionary<string, QueueTicket> tickets = [];
    private readonly Dictionary<string, TenantQueue> tenants = [];
    private readonly FairShare share = new();

    public int Count => tickets.Count;

    public IEnumerable<QueueTicket> Tickets => tickets.Values;

    public bool Contains(string jobId) => tickets.ContainsKey(jobId);

    /// <summary>The queued ticket of <paramref name="jobId"/>, or null when it is not queued here.</summary>
    public QueueTicket? Find(string jobId) => tickets.GetValueOrDefault(jobId);

    /// <summary>Tickets submitted before <paramref name="ticket"/>, which run before it at equal priority (O(queued)).</summary>
    public int CountAhead(QueueTicket ticket) => tickets.Values.Count(t => Oldest.Compare(t, ticket) < 0);

    public int CountOf(string tenant) => tenants.TryGetValue(tenant, out var queue) ? queue.Count : 0;

    /// <summary>The estimated GPU-seconds of all queued jobs.</summary>
    public double GpuSeconds => tenants.Values.Sum(q => q.GpuSeconds);

    /// <summary>The estimated GPU-seconds of <paramref name="tenant"/>'s queued jobs.</summary>
    public double GpuSecondsOf(string tenant) => tenants.TryGetValue(tenant, out var queue) ? queue.GpuSeconds : 0;

    /// <summary>Adds a ticket (a repeat of a queued job id replaces nothing).</summary>
    public void Add(QueueTicket ticket)
    {
        if (!tickets.TryAdd(ticket.JobId, ticket))
        {
            return;
        }

        if (!tenants.TryGetValue(ticket.Tenant, out var queue))
        {
            queue = new TenantQueue();
            tenants.Add(ticket.Tenant, queue);
        }

        if (queue.Count == 0)
        {
            share.Activate(ticket.Tenant, tenants.Where(t => t.Value.Count > 0).Select(t => t.Key));
        }

        queue.Add(ticket, Oldest);
    }

    public bool Remove(string jobId)
    {
        if (!tickets.Remove(jobId, out var ticket))
        {
            return false;
        }

        tenants[ticket.Tenant].Remove(ticket);
        return true;
    }

    /// <summary>Removes and returns the job to lease to <paramref name="request"/>'s worker, or null when none fits.</summary>
    public QueueTicket? TakeNext(LeaseRequest request, DateTimeOffset now)
    {
        var loaded = request.LoadedModels.IsDefault ? [] : request.LoadedModels;
        foreach (var tenant in share.ByUsage(tenants.Where(t => t.Value.Count > 0).Select(t => t.Key)))
        {
            QueueTicket? best = null;
            var bestScore = double.NegativeInfinity;
            foreach (var head in tenants[tenant].Heads())
            {
                var warm = loaded.Contains(head.Model);
                if (!request.Serves(head) || (!warm && !Fits(head.Model, request.FreeMemoryBytes)))
                {
                    continue;
                }

                var score = Score(head, warm, now);
                if (score > bestScore || (score == bestScore && best is not null && Oldest.Compare(head, best) < 0))
                {
                    best = head;
                    bestScore = score;
                }
            }

            if (best is not null)
            {
                Remove(best.JobId);
                share.Charge(tenant, options.WeightOf(tenant));
                return best;
            }
        }

        return null;
    }

    /// <summary>Removes and returns tickets queued before <paramref name="cutoff"/>.</summary>
    public IReadOnlyList<QueueTicket> TakeQueuedBefore(DateTimeOffset cutoff)
    {
        var expired = new List<QueueTicket>();
        foreach (var queue in tenants.Values)
        {
            foreach (var head in queue.HeadsQueuedBefore(cutoff))
            {
                expired.Add(head);
            }
        }

        foreach (var ticket in expired)
        {
            Remove(ticket.JobId);
        }

        return expired;
    }

    public QueueSnapshot Snapshot(string pool, int leased, DateTimeOffset now)
    {
        var oldest = tenants.Values.SelectMany(q => q.Heads()).Select(t => t.QueuedAt).DefaultIfEmpty(now).Min();
        var byPriority = tickets.Values.GroupBy(t => t.Priority).ToImmutableDictionary(g => g.Key, g => g.Count());
        var byTenant = tenants.Where(t => t.Value.Count > 0).ToImmutableDictionary(t => t.Key, t => t.Value.Count);
        return new QueueSnapshot(pool, tickets.Count, byPriority, now - oldest, leased, byTenant);
    }

    private double Score(QueueTicket ticket, bool warm, DateTimeOffset now) =>
        (int)ticket.Priority
        + Math.Max(0, (now - ticket.SubmittedAt).TotalSeconds) / options.AgeingInterval.TotalSeconds
        + (warm ? options.WarmModelBonus : 0);

    private bool Fits(string model, long freeMemoryBytes) =>
        !options.ModelMemoryBytes.TryGetValue(model, out var needed) || needed <= freeMemoryBytes;

    /// <summary>
    /// One tenant's tickets, one oldest-first bucket per (priority, model, resolution): a head that a worker's device
    /// cannot render then never hides the smaller jobs of its model behind it.
    /// </summary>
    private sealed class TenantQueue
    {
        private readonly Dictionary<(JobPriority, string, JobResolution), SortedSet<QueueTicket>> buckets = [];

        public int Count { get; private set; }

        public double GpuSeconds { get; private set; }

        public void Add(QueueTicket ticket, IComparer<QueueTicket> order)
        {
            var key = (ticket.Priority, ticket.Model, ticket.Resolution);
            if (!buckets.TryGetValue(key, out var bucket))
            {
                bucket = new SortedSet<QueueTicket>(order);
                buckets.Add(key, bucket);
            }

            bucket.Add(ticket);
            Count++;
            GpuSeconds += ticket.GpuSeconds;
        }

        public void Remove(QueueTicket ticket)
        {
            var key = (ticket.Priority, ticket.Model, ticket.Resolution);
            var bucket = buckets[key];
            bucket.Remove(ticket);
            Count--;
            // Back to exactly zero when empty, so rounding left by the additions and removals never accumulates.
            GpuSeconds = Count == 0 ? 0 : GpuSeconds - ticket.GpuSeconds;
            if (bucket.Count == 0)
            {
                buckets.Remove(key);
            }
        }

        public IEnumerable<QueueTicket> Heads() => buckets.Values.Select(b => b.Min!);

        public IEnumerable<QueueTicket> HeadsQueuedBefore(DateTimeOffset cutoff) =>
            buckets.Values.SelectMany(b => b.TakeWhile(t => t.QueuedAt < cutoff));
    }
}
