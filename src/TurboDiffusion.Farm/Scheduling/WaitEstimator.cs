using System.Globalization;
using TurboDiffusion.Farm.Contracts;

namespace TurboDiffusion.Farm.Scheduling;

/// <summary>
/// Turns a job's place in its pool into an estimate and one plain reason. The workers that can render the job take the
/// jobs ahead of it one at a time as each frees (its current job's expected seconds left, then the jobs ahead at their
/// average expected seconds), and it starts when the next one frees; past <see cref="SimulatedAhead"/> jobs ahead they
/// share the work as a fluid, <c>start = now + (seconds ahead + seconds left of the running jobs) / able workers</c>,
/// which the turn-by-turn count approaches. <c>finish = start + its own expected seconds</c>. The reason names what
/// holds it most: no worker at all, none with
/// the device memory for it, a model switch (nothing ahead of it, but its model is loaded nowhere), its tenant's fair
/// share (other tenants' jobs go first), else the jobs ahead and the busy workers.
/// </summary>
internal sealed class WaitEstimator(string pool, IReadOnlyList<LeaseRequest> workers, IReadOnlyDictionary<string, ActiveLease> leasesByWorker, Func<QueueTicket, CostFigures> costOf, DateTimeOffset now)
{
    /// <summary>Up to this many jobs ahead the workers' turns are counted one by one (a heap of as many entries as workers).</summary>
    public const int SimulatedAhead = 1000;

    public JobEstimate Queued(QueueTicket ticket, QueuePlace place)
    {
        ArgumentNullException.ThrowIfNull(ticket);
        var cost = costOf(ticket);
        var resolution = WireResolution(ticket.Resolution);
        if (workers.Count == 0)
        {
            return Unserved(ticket, WaitingCause.NoWorker, $"no worker is serving pool '{pool}'", place, cost);
        }

        var able = workers.Where(w => w.Serves(ticket)).ToList();
        if (able.Count == 0)
        {
            var limits = string.Join("; ", workers.Select(w => $"{w.WorkerId}: {Renders(w, ticket.Model)}"));
            return Unserved(ticket, WaitingCause.NoCapableWorker, $"no worker of pool '{pool}' has the device memory to render {ticket.Model} at {resolution} ({limits})", place, cost);
        }

        var left = able.ToDictionary(w => w.WorkerId, SecondsLeft, StringComparer.Ordinal);
        var busy = able.Count(w => leasesByWorker.ContainsKey(w.WorkerId));
        var start = now + TimeSpan.FromSeconds(SecondsToStart([.. left.Values], place));
        var (cause, reason) = Why(ticket, place, able, left, busy, resolution);
        return new JobEstimate(ticket.JobId, cause, reason, place.Ahead + 1, place.AheadSeconds, able.Count, busy, start, start + TimeSpan.FromSeconds(cost.Seconds), cost);
    }

    private static double SecondsToStart(double[] left, QueuePlace place)
    {
        if (place.Ahead > SimulatedAhead)
        {
            return (place.AheadSeconds + left.Sum()) / left.Length;
        }

        var frees = new PriorityQueue<double, double>(left.Select(l => (l, l)));
        var each = place.Ahead == 0 ? 0 : place.AheadSeconds / place.Ahead;
        for (var i = 0; i < place.Ahead; i++)
        {
            var free = frees.Dequeue() + each;
            frees.Enqueue(free, free);
        }

        return frees.Peek();
    }

    /// <summary>A held job: its tenant's quota holds it, and when it is released depends on that tenant's queue.</summary>
    public JobEstimate Held(QueueTicket ticket, string reason)
    {
        ArgumentNullException.ThrowIfNull(ticket);
        var able = workers.Where(w => w.Serves(ticket)).ToList();
        return new JobEstimate(ticket.JobId, WaitingCause.Quota, reason, null, null, able.Count, able.Count(w => leasesByWorker.ContainsKey(w.WorkerId)), null, null, costOf(ticket));
    }

    /// <summary>A leased job: expected to finish its expected seconds after its lease (the gateway refines this from its steps).</summary>
    public JobEstimate Leased(ActiveLease lease)
    {
        ArgumentNullException.ThrowIfNull(lease);
        var cost = costOf(lease.Ticket);
        var finish = lease.LeasedAt + TimeSpan.FromSeconds(cost.Seconds);
        return new JobEstimate(lease.JobId, null, null, null, null, 1, 1, lease.LeasedAt, finish > now ? finish : now, cost);
    }

    /// <summary>"~40 s", "~3 min": the rounding a reason should promise.</summary>
    public static string About(double seconds) =>
        seconds < 90 ? string.Create(CultureInfo.InvariantCulture, $"~{Math.Max(0, seconds):0} s") : string.Create(CultureInfo.InvariantCulture, $"~{seconds / 60:0} min");

    private (WaitingCause Cause, string Reason) Why(QueueTicket ticket, QueuePlace place, List<LeaseRequest> able, Dictionary<string, double> left, int busy, string resolution)
    {
        if (place.Ahead == 0 && !able.Any(w => Loaded(w).Contains(ticket.Model)))
        {
            return (WaitingCause.ModelSwitch, $"no worker has model {ticket.Model} loaded; next switch in {About(left.Values.Min())}");
        }

        var own = place.Ahead - place.OfOtherTenants;
        if (place.OverFairShare && place.OfOtherTenants > own)
        {
            return (WaitingCause.FairShare, $"tenant '{ticket.Tenant}' is over its fair share: {Jobs(place.OfOtherTenants)} of other tenants lease first in pool '{pool}'");
        }

        return (WaitingCause.Queue, $"{Jobs(place.Ahead)} ahead in pool '{pool}', {busy} of {able.Count} worker{(able.Count == 1 ? "" : "s")} that can render {ticket.Model} at {resolution} busy");
    }

    private static JobEstimate Unserved(QueueTicket ticket, WaitingCause cause, string reason, QueuePlace place, CostFigures cost) =>
        new(ticket.JobId, cause, reason, place.Ahead + 1, place.AheadSeconds, 0, 0, null, null, cost);

    /// <summary>What the worker's current job has left by its expected seconds; 0 for an idle worker or an overrun job.</summary>
    private double SecondsLeft(LeaseRequest worker) =>
        leasesByWorker.TryGetValue(worker.WorkerId, out var lease)
            ? Math.Max(0, costOf(lease.Ticket).Seconds - (now - lease.LeasedAt).TotalSeconds)
            : 0;

    /// <summary>The models a worker had loaded when it last asked, and the one its current job loads.</summary>
    private IEnumerable<string> Loaded(LeaseRequest worker)
    {
        var loaded = worker.LoadedModels.IsDefault ? [] : worker.LoadedModels.AsEnumerable();
        return leasesByWorker.TryGetValue(worker.WorkerId, out var lease) ? loaded.Append(lease.Ticket.Model) : loaded;
    }

    private static string Jobs(int count) => $"{count} job{(count == 1 ? "" : "s")}";

    private static string Renders(LeaseRequest request, string model) =>
        request.Limits.FirstOrDefault(l => l.Model == model) is { } limit
            ? $"up to {string.Join(", ", limit.Resolutions.Select(WireResolution))}"
            : "no plan for it";

    private static string WireResolution(JobResolution resolution) => resolution.ToString().TrimStart('P').ToLowerInvariant() + "p";
}
