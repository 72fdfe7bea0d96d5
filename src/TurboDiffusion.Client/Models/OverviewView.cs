namespace TurboDiffusion.Client.Models;

/// <summary>What the dashboard shows at once: the queues, the workers, a page of the latest jobs (filtered) and the latest batches.</summary>
/// <param name="JobsNextCursor">Continues the job listing past <paramref name="Jobs"/> (the overview's <c>cursor</c>); null on the last page.</param>
public sealed record OverviewView(
    IReadOnlyList<PoolView> Pools,
    IReadOnlyList<WorkerView> Workers,
    IReadOnlyList<JobView> Jobs,
    IReadOnlyList<BatchView> Batches,
    DateTimeOffset At,
    string? JobsNextCursor = null);
