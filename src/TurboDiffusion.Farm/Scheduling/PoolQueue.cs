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
/// A ticket's place (<see cref="Place"/>) follows the same rules by binary search in each bucket's sorted view, so it
/// costs O(buckets × log jobs), plus rebuilding a changed bucket's view at most once a second.
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

    /// <summary>
    /// Where <paramref name="ticket"/> stands: the queued jobs expected to lease before it and their expected seconds
    /// (<paramref name="secondsOf"/>, whose sums are kept until <paramref name="costVersion"/> changes). Within its tenant
    /// a job goes first when its priority plus ageing beats this one's: submitted before this one's submission time
    /// shifted by the ageing interval per level of difference. Of each other tenant, the leases fair share gives it
    /// before this tenant's usage reaches this job's turn, at that tenant's average cost. The warm-model bonus (a
    /// property of the asking worker) and jobs not yet submitted are left out.
    /// </summary>
    public QueuePlace Place(QueueTicket ticket, Func<QueueTicket, double> secondsOf, int costVersion, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(ticket);
        var (ahead, seconds) = (0, 0.0);
        if (tenants.TryGetValue(ticket.Tenant, out var own))
        {
            foreach (var bucket in own.Buckets)
            {
                var shift = ((int)bucket.Priority - (int)ticket.Priority) * options.AgeingInterval;
                var (count, sum) = bucket.View(secondsOf, costVersion, now).Before(ticket with { SubmittedAt = ticket.SubmittedAt + shift });
                ahead += count;
                seconds += sum;
            }
        }

        var usage = share.UsageOf(ticket.Tenant);
        var turn = usage + (ahead / options.WeightOf(ticket.Tenant));
        var (others, othersSeconds, overShare) = (0, 0.0, false);
        foreach (var (tenant, queue) in tenants)
        {
            if (tenant == ticket.Tenant || queue.Count == 0)
            {
                continue;
            }

            var theirs = share.UsageOf(tenant);
            overShare |= theirs < usage;
            var leases = Math.Min(queue.Count, LeasesBefore((turn - theirs) * options.WeightOf(tenant), string.CompareOrdinal(tenant, ticket.Tenant) < 0));
            if (leases > 0)
            {
                var (count, sum) = queue.Totals(secondsOf, costVersion, now);
                others += leases;
                othersSeconds += sum * leases / count;
            }
        }

        return new QueuePlace(ahead + others, seconds + othersSeconds, others, overShare);
    }

    /// <summary>
    /// Leases another tenant takes while its usage, growing by 1/weight a lease, stays below this job's turn:
    /// those i = 0, 1, ... with i less than <paramref name="gap"/> (the usage gap times its weight), or equal when ties go to it.
    /// </summary>
    private static int LeasesBefore(double gap, bool winsTies)
    {
        var whole = Math.Round(gap);
        if (Math.Abs(gap - whole) < 1e-9)
        {
            return whole < 0 ? 0 : (int)Math.Min(int.MaxValue - 1, whole) + (winsTies ? 1 : 0);
        }

        return gap < 0 ? 0 : (int)Math.Min(int.MaxValue, Math.Ceiling(gap));
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
        private readonly Dictionary<(JobPriority, string, JobResolution), Bucket> buckets = [];

        public int Count { get; private set; }

        public double GpuSeconds { get; private set; }

        public IEnumerable<Bucket> Buckets => buckets.Values;

        public void Add(QueueTicket ticket, IComparer<QueueTicket> order)
        {
            var key = (ticket.Priority, ticket.Model, ticket.Resolution);
            if (!buckets.TryGetValue(key, out var bucket))
            {
                bucket = new Bucket(ticket.Priority, order);
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

        public IEnumerable<QueueTicket> Heads() => buckets.Values.Select(b => b.Head);

        public IEnumerable<QueueTicket> HeadsQueuedBefore(DateTimeOffset cutoff) =>
            buckets.Values.SelectMany(b => b.Tickets.TakeWhile(t => t.QueuedAt < cutoff));

        /// <summary>The tenant's tickets and their expected seconds, as its buckets' views last counted them.</summary>
        public (int Count, double Seconds) Totals(Func<QueueTicket, double> secondsOf, int costVersion, DateTimeOffset now)
        {
            var (count, seconds) = (0, 0.0);
            foreach (var bucket in buckets.Values)
            {
                var view = bucket.View(secondsOf, costVersion, now);
                count += view.Count;
                seconds += view.Seconds;
            }

            return (count, seconds);
        }
    }

    /// <summary>
    /// One bucket's tickets, oldest first, and a sorted copy of them with running sums of their expected seconds. The
    /// copy is remade when the bucket or the costs changed: at once while the bucket holds at most
    /// <see cref="FreshUpTo"/> tickets (a copy that costs less than the grain call asking), else at most once every
    /// <see cref="ViewLifetime"/>, so a burst of reads on a changing 100,000-job bucket copies it once a second, not
    /// once a read, and a place may be a second old.
    /// </summary>
    private sealed class Bucket(JobPriority priority, IComparer<QueueTicket> order)
    {
        public const int FreshUpTo = 4096;

        public static readonly TimeSpan ViewLifetime = TimeSpan.FromSeconds(1);

        private BucketView? view;
        private int version;

        public JobPriority Priority { get; } = priority;

        public SortedSet<QueueTicket> Tickets { get; } = new(order);

        public int Count => Tickets.Count;

        public QueueTicket Head => Tickets.Min!;

        public void Add(QueueTicket ticket)
        {
            Tickets.Add(ticket);
            version++;
        }

        public void Remove(QueueTicket ticket)
        {
            Tickets.Remove(ticket);
            version++;
        }

        public BucketView View(Func<QueueTicket, double> secondsOf, int costVersion, DateTimeOffset now)
        {
            if (view is null || ((view.Version != version || view.CostVersion != costVersion) && (Tickets.Count <= FreshUpTo || now - view.MadeAt >= ViewLifetime)))
            {
                view = new BucketView(Tickets, secondsOf, version, costVersion, now);
            }

            return view;
        }
    }

    /// <summary>A bucket's tickets at one moment, sorted oldest first, with the expected seconds of each prefix.</summary>
    private sealed class BucketView
    {
        private readonly QueueTicket[] tickets;
        private readonly double[] prefix;

        public BucketView(SortedSet<QueueTicket> bucket, Func<QueueTicket, double> secondsOf, int version, int costVersion, DateTimeOffset madeAt)
        {
            tickets = [.. bucket];
            prefix = new double[tickets.Length + 1];
            for (var i = 0; i < tickets.Length; i++)
            {
                prefix[i + 1] = prefix[i] + secondsOf(tickets[i]);
            }

            (Version, CostVersion, MadeAt) = (version, costVersion, madeAt);
        }

        public int Version { get; }

        public int CostVersion { get; }

        public DateTimeOffset MadeAt { get; }

        public int Count => tickets.Length;

        public double Seconds => prefix[^1];

        /// <summary>How many tickets sort before <paramref name="probe"/>, and their expected seconds.</summary>
        public (int Count, double Seconds) Before(QueueTicket probe)
        {
            var index = Array.BinarySearch(tickets, probe, Oldest);
            var count = index < 0 ? ~index : index;
            return (count, prefix[count]);
        }
    }
}

/// <summary>Where a queued ticket stands: the jobs expected to lease before it (of its own tenant and of others) and their expected seconds.</summary>
/// <param name="OfOtherTenants">How many of <paramref name="Ahead"/> are other tenants' jobs that fair share puts first.</param>
/// <param name="OverFairShare">Some other tenant with queued work has used less than this one's tenant, so it leases first.</param>
internal readonly record struct QueuePlace(int Ahead, double AheadSeconds, int OfOtherTenants, bool OverFairShare);
