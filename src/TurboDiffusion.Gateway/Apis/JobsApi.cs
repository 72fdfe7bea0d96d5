using System.Security.Claims;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using TurboDiffusion.Client.Models;
using TurboDiffusion.Farm.Contracts;
using TurboDiffusion.Farm.Stores;
using TurboDiffusion.Gateway.Auth;
using TurboDiffusion.Gateway.Events;
using TurboDiffusion.Gateway.Hosting;
using TurboDiffusion.Gateway.Mapping;
using JobStatus = TurboDiffusion.Client.Models.JobStatus;

namespace TurboDiffusion.Gateway.Apis;

/// <summary><c>/v1/jobs</c>: submit, read, list, cancel, and follow a job's progress.</summary>
public static class JobsApi
{
    public static RouteGroupBuilder MapJobsApi(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/v1/jobs").WithTags("Jobs");
        group.MapPost("", SubmitJob).WithName(nameof(SubmitJob)).WithSummary("Submit a job (requires an Idempotency-Key header)")
            .Accepts<JobRequest>("application/json")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge).ProducesProblem(StatusCodes.Status429TooManyRequests);
        group.MapGet("", ListJobs).WithName(nameof(ListJobs)).WithSummary("List jobs by tenant, status or batch, newest first");
        group.MapGet("/{id}", GetJob).WithName(nameof(GetJob)).WithSummary("Get one job").ProducesProblem(StatusCodes.Status404NotFound);
        group.MapPost("/{id}/cancel", CancelJob).WithName(nameof(CancelJob)).WithSummary("Cancel a job: at once when queued, at the next step when running")
            .ProducesProblem(StatusCodes.Status404NotFound);
        group.MapGet("/{id}/webhooks", ListJobWebhooks).WithName(nameof(ListJobWebhooks)).WithSummary("The job's webhook deliveries: event, attempts, last answer")
            .ProducesProblem(StatusCodes.Status404NotFound);
        group.MapGet("/{id}/events", WatchJob).WithName(nameof(WatchJob))
            .WithSummary("Server-Sent Events: 'state' on every status change (and first), 'progress' per step; resumes after Last-Event-ID")
            .Produces(StatusCodes.Status200OK, contentType: "text/event-stream").ProducesProblem(StatusCodes.Status404NotFound);
        return group;
    }

    public static async Task<Results<Accepted<JobView>, Ok<JobView>>> SubmitJob(HttpContext context, ClaimsPrincipal user, FarmAccess farm, ModelAdmission models)
    {
        ArgumentNullException.ThrowIfNull(models);
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(farm);
        var key = RequireIdempotencyKey(context.Request);
        var request = await RequestBody.ReadJsonAsync<JobRequest>(context, farm.Options.MaxJobBodyBytes);
        var (spec, problems) = JobSpecMapper.Map(request, Caller.From(user), farm.Options.DefaultModel, key, farm.WebhooksEnabled);
        if (problems.Count > 0)
        {
            throw new InvalidJobSpecException(problems);
        }

        if (await models.Snapshot().ProblemAsync(spec!.Model) is { } unserved)
        {
            throw new InvalidJobSpecException([unserved]);
        }

        if (spec.Webhook is { } webhook && await farm.WebhookTargets.ProblemAsync(webhook, context.RequestAborted) is { } refused)
        {
            throw new InvalidJobSpecException([refused]);
        }

        var result = await farm.Grains.SubmitJobAsync(spec);
        var job = JobViewMapper.ToView(result.EnsureAccepted());
        return result.Outcome == SubmitOutcome.Accepted
            ? TypedResults.Accepted($"/v1/jobs/{job.Id}", job)
            : TypedResults.Ok(job);
    }

    public static async Task<Ok<Page<JobView>>> ListJobs(
        ClaimsPrincipal user,
        FarmAccess farm,
        string? tenant = null,
        string? status = null,
        string? batchId = null,
        int? limit = null,
        string? cursor = null) =>
        TypedResults.Ok(await ListAsync(Caller.From(user), farm, tenant, status, batchId, new PageRequest(limit, cursor)));

    /// <summary>
    /// The listing behind <see cref="ListJobs"/>; bad filters throw a problem naming each. With <paramref name="estimates"/>
    /// (the dashboard's page) waiting and running jobs carry their estimates, at one scheduler call per pool.
    /// </summary>
    public static async Task<Page<JobView>> ListAsync(Caller caller, FarmAccess farm, string? tenant, string? status, string? batchId, PageRequest page, bool estimates = false)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(farm);
        var problems = new List<string>();
        if (tenant is not null && !caller.CanSee(tenant))
        {
            problems.Add($"tenant: '{tenant}' is not your tenant; leave it out to list '{caller.Tenant}'.");
        }

        Farm.Contracts.JobStatus? parsedStatus = null;
        if (status is not null)
        {
            if (WireNames.TryParse<JobStatus>(status, out var wireStatus))
            {
                parsedStatus = VocabularyMapper.ToFarm(wireStatus);
            }
            else
            {
                problems.Add($"status: {WireNames.Unknown<JobStatus>(status)}");
            }
        }

        var window = Paging.Jobs.Window(page, problems);
        if (problems.Count > 0)
        {
            throw new InvalidJobSpecException(problems);
        }

        // An admin may list every tenant by status; without a status (or batch) the listing is of one tenant.
        var tenantFilter = tenant ?? (caller.IsAdmin && (parsedStatus is not null || batchId is not null) ? null : caller.Tenant);
        var found = await farm.Store.ListAsync(new JobQuery(batchId, tenantFilter, parsedStatus, window.Limit, window.Position));
        var current = await farm.WithLatestProgressAsync(found.Jobs.Where(j => caller.CanSee(j.Spec.Tenant)));
        var views = estimates ? await JobEstimates.ViewsAsync(farm, current) : [.. current.Select(JobViewMapper.ToView)];
        return new Page<JobView>(views, Paging.CursorAt(found.NextCursor));
    }

    public static async Task<Ok<JobView>> GetJob(string id, ClaimsPrincipal user, FarmAccess farm)
    {
        ArgumentNullException.ThrowIfNull(farm);
        var job = await farm.VisibleJobAsync(id, Caller.From(user));
        return TypedResults.Ok(await JobEstimates.ViewAsync(farm, job));
    }

    public static async Task<Ok<JobView>> CancelJob(string id, ClaimsPrincipal user, FarmAccess farm)
    {
        ArgumentNullException.ThrowIfNull(farm);
        var job = await farm.VisibleJobAsync(id, Caller.From(user));
        if (job.Status.IsTerminal())
        {
            return TypedResults.Ok(JobViewMapper.ToView(job));
        }

        try
        {
            return TypedResults.Ok(JobViewMapper.ToView(await farm.Grains.GetGrain<IJobGrain>(id).Cancel()));
        }
        catch (InvalidJobTransitionException)
        {
            // It finished between the read and the cancel: the finished record is the answer.
            return TypedResults.Ok(JobViewMapper.ToView(await farm.VisibleJobAsync(id, Caller.From(user))));
        }
    }

    public static async Task<Ok<IReadOnlyList<WebhookDeliveryView>>> ListJobWebhooks(string id, ClaimsPrincipal user, FarmAccess farm)
    {
        ArgumentNullException.ThrowIfNull(farm);
        await farm.VisibleJobAsync(id, Caller.From(user));
        var deliveries = await farm.Outbox.ListForJobAsync(id);
        return TypedResults.Ok<IReadOnlyList<WebhookDeliveryView>>([.. deliveries.Select(d => new WebhookDeliveryView(
            d.Id, d.Event, d.Url, d.Status.ToString().ToLowerInvariant(), d.Attempts, d.LastStatusCode, d.LastError, d.CreatedAt, d.NextAttemptAt, d.FinishedAt))]);
    }

    public static async Task WatchJob(string id, HttpContext context, ClaimsPrincipal user, FarmAccess farm, [FromHeader(Name = Headers.LastEventId)] string? lastEventId)
    {
        ArgumentNullException.ThrowIfNull(farm);
        if (lastEventId is not null && !farm.Progress.IsEventId(lastEventId))
        {
            throw new InvalidJobSpecException([$"{Headers.LastEventId}: '{lastEventId}' is not an event id of this stream; it takes {farm.Progress.IdForm}, the id of the last event received (leave the header out to start over)."]);
        }

        var job = await farm.VisibleJobAsync(id, Caller.From(user));
        await new JobEventFeed(farm, context.Response).RunAsync(job, lastEventId, context.RequestAborted);
    }

    internal static string RequireIdempotencyKey(HttpRequest request) =>
        request.Headers[Headers.IdempotencyKey] is [{ Length: > 0 } key]
            ? key
            : throw new InvalidJobSpecException([$"{Headers.IdempotencyKey}: the header is missing; send a unique key per submission (e.g. a UUID) and reuse it on retries so nothing renders twice."]);
}
