using System.Collections.Immutable;

namespace TurboDiffusion.Farm.Contracts;

/// <summary>What a GPU worker is doing.</summary>
public enum WorkerState
{
    Starting,
    Idle,
    Loading,
    Busy,

    /// <summary>Stopping: leases nothing new, finishes or hands back its job.</summary>
    Draining,

    /// <summary>Took itself out after failing jobs of several tenants in a row; leases nothing until restarted.</summary>
    Unhealthy,

    /// <summary>A preflight check failed (encoder, scratch space, artifact store, libtorch, device, model files), or
    /// the worker's machine failed jobs in a row: leases nothing until a new preflight passes.</summary>
    Unready,
}

public static class WorkerStateExtensions
{
    public static string Label(this WorkerState state) => state.ToString().ToLowerInvariant();
}

/// <summary>A GPU worker as it last reported itself.</summary>
/// <param name="Silo">The silo address (parsable form).</param>
/// <param name="GpuName">The device, e.g. "cuda:0 (NVIDIA H100 80GB HBM3)" or "cpu".</param>
/// <param name="Health">Why the worker is unhealthy or unready, else null.</param>
/// <param name="Encoder">The video encoder its engine writes MP4s with, e.g. "ffmpeg (libx264)"; null where the engine does not say.</param>
[GenerateSerializer, Immutable, Alias("turbo.WorkerInfo.v1")]
public sealed record WorkerInfo(
    [property: Id(0)] string WorkerId,
    [property: Id(1)] string Silo,
    [property: Id(2)] string Pool,
    [property: Id(3)] string GpuName,
    [property: Id(4)] long MemoryTotalBytes,
    [property: Id(5)] long MemoryUsedBytes,
    [property: Id(6)] ImmutableArray<string> LoadedModels,
    [property: Id(7)] WorkerState State,
    [property: Id(8)] string? CurrentJobId,
    [property: Id(9)] DateTimeOffset ReportedAt,
    [property: Id(10)] string? Health = null,
    [property: Id(11)] string? Encoder = null);
