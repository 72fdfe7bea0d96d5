using System.Security.Claims;
using System.Text.Json;
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

/// <summary><c>/v1/overview</c>: the dashboard's view of the farm (queues, workers, latest jobs and batches), once or as Server-Sent Events sent whenever it changes.</summary>
public static class OverviewApi
{
    public const int JobsShown = 50;
    public const int BatchesShown = 10;
    private static readonly TimeSpan Period = TimeSpan.FromSeconds(1);

    public static IEndpointRouteBuilder MapOverviewApi(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/v1/overview").WithTags("Dashboard");
        group.MapGet("", GetOverview).WithName(nameof(GetOverview)).WithSummary("Pools, workers, a page of the latest jobs (filtered and paged like GET /v1/jobs) and the latest batches");
        group.MapGet("/events", WatchOverview).WithName(nameof(WatchOverview))
            .WithSummary("Server-Sent Events: an 'overview' event whenever the overview changes (checked every second)")
            .Produces(StatusCodes.Status200OK, contentType: "text/event-stream");
        return endpoints;
    }

    public static async Task<Ok<OverviewView>> GetOverview(ClaimsPrincipal user, FarmAccess farm, IOptions<SchedulerOptions> scheduler, string? tenant = null, string? status = null, string? batchId = null, string? cursor = null)
    {
        ArgumentNullException.ThrowIfNull(scheduler);
        return TypedResults.Ok(await BuildAsync(Caller.From(user), farm, scheduler.Value, new JobFilter(tenant, status, batchId, cursor)));
    }

    public static async Task WatchOverview(HttpContext context, ClaimsPrincipal user, FarmAccess farm, IOptions<SchedulerOptions> scheduler, string? tenant = null, string? status = null, string? batchId = null, string? cursor = null)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(farm);
        ArgumentNullException.ThrowIfNull(scheduler);
        var caller = Caller.From(user);
        var filter = new JobFilter(tenant, status, batchId, cursor);
        var first = await BuildAsync(caller, farm, scheduler.Value, filter);
        var response = context.Response;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no";
        string? sent = null;
        var overview = first;
        var quiet = TimeSpan.Zero;
        try
        {
            while (true)
            {
                // "at" changes every time: compare without it, so only real changes are sent.
                var data = JsonSerializer.Serialize(overview with { At = default }, TurboJson.Options);
                if (data != sent)
                {
                    await response.WriteAsync($"event: overview\ndata: {JsonSerializer.Serialize(overview, TurboJson.Options)}\n\n", context.RequestAborted);
                    await response.Body.FlushAsync(context.RequestAborted);
                    sent = data;
                    quiet = TimeSpan.Zero;
                }
                else if ((quiet += Period) >= farm.Options.EventKeepAlive)
                {
                    await response.WriteAsync(": keep-alive\n\n", context.RequestAborted);
                    await response.Body.FlushAsync(context.RequestAborted);
                    quiet = TimeSpan.Zero;
                }

                await Task.Delay(Period, farm.Time, context.RequestAborted);
                overview = await BuildAsync(caller, farm, scheduler.Value, filter);
            }
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The dashboard closed or reconnects; nothing to resume, the next connection starts with a full overview.
            return;
        }
    }

    /// <summary>The batch the dashboard filters on, from its grain (a large batch's record is not read every tick); null when not visible.</summary>
    private static async Task<BatchSummary?> FilteredBatchAsync(Caller caller, FarmAccess farm, string batchId)
    {
        try
        {
            return await BatchesApi.VisibleSummaryAsync(batchId, caller, farm);
        }
        catch (BatchNotFoundException)
        {
            return null;
        }
    }

    /// <summary>
    /// A page of <see cref="JobsShown"/> jobs from <paramref name="filter"/>'s cursor: the store reads only that page
    /// from its index, so paging through a 100,000-job batch costs what its first page does.
    /// </summary>
    private static async Task<OverviewView> BuildAsync(Caller caller, FarmAccess farm, SchedulerOptions scheduler, JobFilter filter)
    {
        var pools = WorkersApi.PoolsAsync(farm, scheduler);
        var workers = WorkersApi.WorkersAsync(caller, farm, scheduler);
        var jobs = await JobsApi.ListAsync(caller, farm, filter.Tenant, filter.Status, filter.BatchId, new PageRequest(JobsShown, filter.Cursor), estimates: true);
        var batches = (await BatchesApi.ListAsync(caller, farm, filter.Tenant, new PageRequest(BatchesShown))).Items.ToList();
        if (filter.BatchId is { } batchId && batches.All(b => b.Id != batchId) && await FilteredBatchAsync(caller, farm, batchId) is { } filtered)
        {
            batches.Insert(0, JobViewMapper.ToView(filtered));
        }

        return new OverviewView(await pools, await workers, jobs.Items, batches, farm.Time.GetUtcNow(), jobs.NextCursor);
    }

    /// <summary>The overview's job listing: filters as GET /v1/jobs takes them, and the page's cursor.</summary>
    private sealed record JobFilter(string? Tenant, string? Status, string? BatchId, string? Cursor);
}
