using System.Collections.Immutable;
using System.Security.Claims;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;
using TurboDiffusion.Client.Models;
using TurboDiffusion.Farm.Contracts;
using TurboDiffusion.Farm.Options;
using TurboDiffusion.Gateway.Auth;
using TurboDiffusion.Gateway.Hosting;
using TurboDiffusion.Gateway.Mapping;

namespace TurboDiffusion.Gateway.Apis;

/// <summary><c>/v1/workers</c> and <c>/v1/pools</c>: the GPU workers and the queues they pull from.</summary>
public static class WorkersApi
{
    public static IEndpointRouteBuilder MapWorkersApi(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGroup("/v1/workers").WithTags("Workers")
            .MapGet("", ListWorkers).WithName(nameof(ListWorkers)).WithSummary("GPU workers of every pool: device, state, loaded models, current job and step");
        endpoints.MapGroup("/v1/pools").WithTags("Workers")
            .MapGet("", ListPools).WithName(nameof(ListPools)).WithSummary("Queue depth, oldest queued age, leased and held jobs per pool, and each pool's last hour a minute at a time");
        return endpoints;
    }

    public static async Task<Ok<IReadOnlyList<WorkerView>>> ListWorkers(ClaimsPrincipal user, FarmAccess farm, IOptions<SchedulerOptions> scheduler)
    {
        ArgumentNullException.ThrowIfNull(scheduler);
        return TypedResults.Ok(await WorkersAsync(Caller.From(user), farm, scheduler.Value));
    }

    public static async Task<Ok<IReadOnlyList<PoolView>>> ListPools(FarmAccess farm, IOptions<SchedulerOptions> scheduler)
    {
        ArgumentNullException.ThrowIfNull(scheduler);
        return TypedResults.Ok(await PoolsAsync(farm, scheduler.Value));
    }

    public static async Task<IReadOnlyList<WorkerView>> WorkersAsync(Caller caller, FarmAccess farm, SchedulerOptions scheduler)
    {
        ArgumentNullException.ThrowIfNull(farm);
        var lists = await Task.WhenAll(Pools(scheduler).Select(p => farm.Grains.GetGrain<IWorkerRegistryGrain>(p).List()));
        return await Task.WhenAll(lists.SelectMany(l => l).Select(w => ToViewAsync(w, caller, farm)));
    }

    public static async Task<IReadOnlyList<PoolView>> PoolsAsync(FarmAccess farm, SchedulerOptions scheduler)
    {
        ArgumentNullException.ThrowIfNull(farm);
        var snapshots = await Task.WhenAll(Pools(scheduler).Select(p => farm.Grains.GetGrain<ISchedulerGrain>(p).GetSnapshot()));
        return [.. snapshots.Select(s => new PoolView(s.Pool, s.Depth, s.OldestQueuedAge.TotalSeconds, s.Leased,
            s.DepthByPriority.ToImmutableDictionary(d => WireNames.Of(VocabularyMapper.ToWire(d.Key)), d => d.Value), s.Held,
            s.QuotaUnit, s.QueuedInUnit, s.HeldInUnit, s.History.IsDefault ? [] : [.. s.History.Select(m => new PoolMinuteView(m.At, m.Depth, m.Finished))],
            s.ModelLoads.IsDefault ? [] : [.. s.ModelLoads.Select(l => new ModelLoadView(l.WorkerId, l.Model, l.Seconds, l.Loads))]))];
    }

    /// <summary>Every pool a job can be queued in: the default pool and those named by model.</summary>
    public static IEnumerable<string> Pools(SchedulerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new[] { options.DefaultPool }.Concat(options.ModelPools.Values).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal);
    }

    private static async Task<WorkerView> ToViewAsync(WorkerInfo worker, Caller caller, FarmAccess farm)
    {
        CurrentJobView? current = null;
        if (worker.CurrentJobId is { } jobId && await farm.Grains.GetGrain<IJobGrain>(jobId).GetState() is { } job && caller.CanSee(job.Spec.Tenant))
        {
            current = new CurrentJobView(job.JobId, job.Spec.Prompt, job.Progress is { } p ? JobViewMapper.Progress(p) : null);
        }

        return new WorkerView(worker.WorkerId, worker.Pool, worker.Silo, worker.GpuName, worker.State.Label(), worker.MemoryTotalBytes, worker.MemoryUsedBytes,
            worker.LoadedModels.IsDefault ? [] : worker.LoadedModels, worker.ReportedAt, HealthFor(caller, worker.Health), current, worker.Encoder);
    }

    /// <summary>A worker's health text as a caller may read it: tenants see file names, not the server's paths; the admin sees it whole.</summary>
    private static string? HealthFor(Caller caller, string? health) => health is { } text && !caller.IsAdmin ? ServerPaths.Redact(text) : health;
}
