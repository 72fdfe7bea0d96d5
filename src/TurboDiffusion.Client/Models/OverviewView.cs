namespace TurboDiffusion.Client.Models;

/// <summary>What the dashboard shows at once: the queues, the workers, the latest jobs (filtered) and the latest batches.</summary>
public sealed record OverviewView(
    IReadOnlyList<PoolView> Pools,
    IReadOnlyList<WorkerView> Workers,
    IReadOnlyList<JobView> Jobs,
    IReadOnlyList<BatchView> Batches,
    DateTimeOffset At);
