using TurboDiffusion.Farm.Contracts;

namespace TurboDiffusion.Farm.Scheduling;

/// <summary>
/// The workers a pool's scheduler has heard from and what each last said it has loaded and can render, to tell a
/// waiting job who can take it. A worker counts while it holds a lease or asked for work within <see cref="Recent"/>:
/// a busy worker asks again only when its render ends.
/// </summary>
internal sealed class WorkerSightings
{
    public static readonly TimeSpan Recent = TimeSpan.FromMinutes(10);

    private readonly Dictionary<string, (LeaseRequest Request, DateTimeOffset Seen)> workers = new(StringComparer.Ordinal);

    public void Saw(LeaseRequest request, DateTimeOffset now) => workers[request.WorkerId] = (request, now);

    /// <summary>The workers serving the pool now: those holding a lease (<paramref name="leasing"/>) or seen lately; the others are forgotten.</summary>
    public IReadOnlyList<LeaseRequest> Current(IReadOnlyCollection<string> leasing, DateTimeOffset now)
    {
        foreach (var stale in workers.Where(w => now - w.Value.Seen > Recent && !leasing.Contains(w.Key)).Select(w => w.Key).ToList())
        {
            workers.Remove(stale);
        }

        return [.. workers.Values.Select(w => w.Request)];
    }
}
