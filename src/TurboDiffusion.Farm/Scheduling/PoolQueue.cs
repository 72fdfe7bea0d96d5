using System.Collections.Immutable;
using TurboDiffusion.Farm.Contracts;
using TurboDiffusion.Farm.Options;

namespace TurboDiffusion.Farm.Scheduling;

/// <summary>
/// The queued jobs of one pool. Tickets sit in FIFO buckets per (tenant, priority, model), oldest first.
/// Choosing the next job: the tenant with the least fair-share usage that has work this worker can take,
/// then among that tenant's bucket heads the highest effective priority (priority level + waited time / ageing interval),
/// with the worker's loaded models weighed by <see cref="SchedulerOptions.SwitchRule"/>: a fixed warm-model bonus
/// (<see cref="SwitchRule.Affinity"/>), or the measured price of a switch (<see cref="SwitchRule.Priced"/>, <see cref="SwitchPrice"/>).
/// Order and ageing count from submission, not from the latest requeue: a job handed back by a lost or drained
/// worker runs next in its priority instead of waiting behind the backlog that arrived after it.
/// Only bucket heads are compared and each model's queued work is kept as a running sum, so a choice costs
/// O(tenants × priorities × models), not O(jobs).
/// A ticket's place (<see cref="Place"/>) follows the same rules by binary search in each bucket's sorted view, so it
/// costs O(buckets × log jobs), plus rebuilding a changed bucket's view at most once a second.
/// </summary>
internal sealed class PoolQueue(SchedulerOptions options, SwitchPrice price)
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
    private readonly ModelBacklog backlog = new();

    /// <summary>A queue that has measured nothing yet: every load takes Turbo:Scheduler:ModelLoadTime, every job its Turbo:Cost estimate.</summary>
    public PoolQueue(SchedulerOptions options)
        : this(options, new SwitchPrice(options, new ModelLoads(options.ModelLoadTime), new MeasuredCosts(new JobCostEstimate(new JobCostOptions()))))
    {
    }

    /// <summary>What the pool has measured of model loads and job costs, which price a switch.</summary>
    public SwitchPrice Price => price;

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
        backlog.Add(ticket);
    }

    public bool Remove(string jobId)
    {
        if (!tickets.Remove(jobId, out var ticket))
        {
            return false;
        }

        tenants[ticket.Tenant].Remove(ticket);
        backlog.Remove(ticket);
        return true;
    }

    /// <summary>Removes and returns the job to lease to <paramref name="request"/>'s worker, or null when none fits.</summary>
    public QueueTicket? TakeNext(LeaseRequest request, DateTimeOffset now)
    {
        var loaded = request.LoadedModels.IsDefault ? [] : request.LoadedModels;
        var busy = share.ByUsage(tenants.Where(t => t.Value.Count > 0).Select(t => t.Key));
        var next = options.SwitchRule == SwitchRule.Priced ? Priced(request, loaded, busy, now) : ByAffinity(request, loaded, busy, now);
        if (next is not null)
        {
            Remove(next.JobId);
            share.Charge(next.Tenant, options.WeightOf(next.Tenant));
        }

        return next;
    }

    /// <summary>The least-used tenant's best head, a warm one credited <see cref="SchedulerOptions.WarmModelBonus"/> levels.</summary>
    private QueueTicket? ByAffinity(LeaseRequest request, ImmutableArray<string> loaded, IEnumerable<string> busy, DateTimeOffset now)
    {
        foreach (var tenant in busy)
        {
            var (warm, cold) = BestHeads(tenant, request, loaded, now, options.WarmModelBonus);
            if (Better(warm, cold) is { } best)
            {
                return best.Ticket;
            }
        }

        return null;
    }

    /// <summary>
    /// The least-used tenant's best warm head, unless its best cold head has waited longer by the switch's price
    /// (<see cref="SwitchPrice"/>), priority levels counted at the ageing interval each. When that tenant has no warm
    /// job, the best warm head of the tenants within <see cref="SchedulerOptions.WarmShareSlack"/> of its usage stands in,
    /// weighed the same way; a worker with no warm job within reach switches.
    /// </summary>
    private QueueTicket? Priced(LeaseRequest request, ImmutableArray<string> loaded, IEnumerable<string> busy, DateTimeOffset now)
    {
        (string Tenant, Head? Cold)? first = null;
        Head? warm = null;
        foreach (var tenant in busy)
        {
            if (first is { } least && share.UsageOf(tenant) > share.UsageOf(least.Tenant) + options.WarmShareSlack)
            {
                break;
            }

            var (tenantWarm, tenantCold) = BestHeads(tenant, request, loaded, now, warmBonus: 0);
            if (first is null && tenantCold is null && tenantWarm is null)
            {
                continue;
            }

            first ??= (tenant, tenantCold);
            warm = Better(warm, tenantWarm);
            if (first.Value.Cold is null || warm is not null)
            {
                break;
            }
        }

        if (first?.Cold is not { } cold)
        {
            return warm?.Ticket;
        }

        if (warm is null)
        {
            return cold.Ticket;
        }

        var waitedLonger = (cold.Score - warm.Value.Score) * options.AgeingInterval.TotalSeconds;
        return waitedLonger >= price.Seconds(request.WorkerId, cold.Ticket.Model, warm.Value.Ticket.Model, backlog.ConfiguredSecondsOf(warm.Value.Ticket.Model)) ? cold.Ticket : warm.Value.Ticket;
    }

    /// <summary>The best warm and the best cold head of <paramref name="tenant"/> that the worker can take.</summary>
    private (Head? Warm, Head? Cold) BestHeads(string tenant, LeaseRequest request, ImmutableArray<string> loaded, DateTimeOffset now, double warmBonus)
    {
        Head? warm = null;
        Head? cold = null;
        foreach (var head in tenants[tenant].Heads())
        {
            var isWarm = loaded.Contains(head.Model);
            if (!request.Serves(head) || (!isWarm && !Fits(head.Model, request.FreeMemoryBytes)))
            {
                continue;
            }

            if (isWarm)
            {
                warm = Better(warm, new Head(head, Score(head, now) + warmBonus));
            }
            else
            {
                cold = Better(cold, new Head(head, Score(head, now)));
            }
        }

        return (warm, cold);
    }

    /// <summary>The higher score; on a tie the older ticket.</summary>
    private static Head? Better(Head? a, Head? b) =>
        a is not { } x ? b
        : b is not { } y ? a
        : y.Score > x.Score || (y.Score == x.Score && Oldest.Compare(y.Ticket, x.Ticket) < 0) ? y : x;

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

    /// <summary>Effective priority: the priority level plus a level per ageing interval waited since submission.</summary>
    private double Score(QueueTicket ticket, DateTimeOffset now) =>
        (int)ticket.Priority + (Math.Max(0, (now - ticket.SubmittedAt).TotalSeconds) / options.AgeingInterval.TotalSeconds);

    private bool Fits(string model, long freeMemoryBytes) =>
        !options.ModelMemoryBytes.TryGetValue(model, out var needed) || needed <= freeMemoryBytes;

    /// <summary>A bucket head and its effective priority.</summary>
    private readonly record struct Head(QueueTicket Ticket, double Score);

    /// <summary>The configured GPU-seconds (Turbo:Cost) of each model's queued jobs, kept as they come and go.</summary>
    private sealed class ModelBacklog
    {
        private readonly Dictionary<string, (int Count, double Seconds)> byModel = new(StringComparer.Ordinal);

        public double ConfiguredSecondsOf(string model) => byModel.TryGetValue(model, out var work) ? work.Seconds : 0;

        public void Add(QueueTicket ticket)
        {
            var (count, seconds) = byModel.GetValueOrDefault(ticket.Model);
            byModel[ticket.Model] = (count + 1, seconds + ticket.GpuSeconds);
        }

        public void Remove(QueueTicket ticket)
        {
            var (count, seconds) = byModel[ticket.Model];
            if (count == 1)
            {
                // Dropped when empty, so rounding left by the additions and removals never accumulates.
                byModel.Remove(ticket.Model);
            }
            else
            {
                byModel[ticket.Model] = (count - 1, seconds - ticket.GpuSeconds);
            }
        }
    }

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
