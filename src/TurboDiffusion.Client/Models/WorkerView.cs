namespace TurboDiffusion.Client.Models;

/// <summary>A GPU worker as it last reported ("idle", "busy", "loading", "draining", "unhealthy", "unready", "starting").</summary>
/// <param name="Health">Why the worker took itself out or is unready (each failed check with its fix), else null.</param>
/// <param name="Encoder">The video encoder its engine writes MP4s with, e.g. "ffmpeg (libx264)"; null where the engine does not say.</param>
/// <param name="CurrentJob">The job it runs and how far it is.</param>
public sealed record WorkerView(
    string Id,
    string Pool,
    string Silo,
    string Gpu,
    string State,
    long MemoryTotalBytes,
    long MemoryUsedBytes,
    IReadOnlyList<string> LoadedModels,
    DateTimeOffset ReportedAt,
    string? Health,
    CurrentJobView? CurrentJob,
    string? Encoder = null);

public sealed record CurrentJobView(string Id, string Prompt, ProgressView? Progress);

/// <summary>
/// A pool's queue: depth, how long the oldest job has waited, how many jobs are leased, queued jobs per priority name
/// ("normal", ...), and batch items held over their tenant's quota; then what tenant quotas count ("jobs" or
/// "gpu-seconds") and what the queued and the held jobs count in that unit; its last hour a minute at a time; and the
/// model loads its scheduler measured on each worker, which price a model switch.
/// </summary>
public sealed record PoolView(
    string Pool,
    int Depth,
    double OldestQueuedAgeSeconds,
    int Leased,
    IReadOnlyDictionary<string, int> DepthByPriority,
    int Held = 0,
    string QuotaUnit = "jobs",
    double QueuedInUnit = 0,
    double HeldInUnit = 0,
    IReadOnlyList<PoolMinuteView>? History = null,
    IReadOnlyList<ModelLoadView>? ModelLoads = null);

/// <summary>One minute of a pool's last hour: the most jobs queued at once, and the jobs that succeeded.</summary>
public sealed record PoolMinuteView(DateTimeOffset At, int Depth, int Finished);

/// <summary>What loading a model has cost a worker: the moving average of its measured loads, and how many were measured.</summary>
public sealed record ModelLoadView(string Worker, string Model, double Seconds, int Loads);
