using TurboDiffusion.Farm.Contracts;

namespace TurboDiffusion.Farm.Scheduling;

/// <summary>
/// The workers a pool's scheduler has heard from and what each last said it can render, to tell a queued job why it
/// waits. A worker counts while it holds a lease or asked for work within <see cref="Recent"/>: a busy worker asks
/// again only when its render ends.
/// </summary>
internal sealed class WorkerSightings
{
    public static readonly TimeSpan Recent = TimeSpan.FromMinutes(10);

    private readonly Dictionary<string, (LeaseRequest Request, DateTimeOffset Seen)> workers = new(StringComparer.Ordinal);

    public void Saw(LeaseRequest request, DateTimeOffset now) => workers[request.WorkerId] = (request, now);

    /// <summary>One plain sentence on why <paramref name="ticket"/> is still queued in <paramref name="pool"/>.</summary>
    public string WhyWaiting(string pool, QueueTicket ticket, int ahead, IReadOnlySet<string> leasing, DateTimeOffset now)
    {
        foreach (var stale in workers.Where(w => now - w.Value.Seen > Recent && !leasing.Contains(w.Key)).Select(w => w.Key).ToList())
        {
            workers.Remove(stale);
        }

        var resolution = WireResolution(ticket.Resolution);
        if (workers.Count == 0)
        {
            return $"no worker is serving pool '{pool}'";
        }

        var able = workers.Values.Where(w => w.Request.Serves(ticket)).Select(w => w.Request.WorkerId).ToList();
        if (able.Count == 0)
        {
            var limits = string.Join("; ", workers.Values.Select(w => $"{w.Request.WorkerId}: {Renders(w.Request, ticket.Model)}"));
            return $"no worker of pool '{pool}' has the device memory to render {ticket.Model} at {resolution} ({limits})";
        }

        var busy = able.Count(leasing.Contains);
        return $"{ahead} job{(ahead == 1 ? "" : "s")} ahead in pool '{pool}', {busy} of {able.Count} worker{(able.Count == 1 ? "" : "s")} that can render {ticket.Model} at {resolution} busy";
    }

    private static string Renders(LeaseRequest request, string model) =>
        request.Limits.FirstOrDefault(l => l.Model == model) is { } limit
            ? $"up to {string.Join(", ", limit.Resolutions.Select(WireResolution))}"
            : "no plan for it";

    private static string WireResolution(JobResolution resolution) => resolution.ToString().TrimStart('P').ToLowerInvariant() + "p";
}
