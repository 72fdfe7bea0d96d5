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
using TurboDiffusion.Farm.Stores;
using TurboDiffusion.Gateway.Auth;
using TurboDiffusion.Gateway.Batches;
using TurboDiffusion.Gateway.Errors;
using TurboDiffusion.Gateway.Hosting;
using TurboDiffusion.Gateway.Mapping;
using TurboDiffusion.Gateway.Webhooks;

namespace TurboDiffusion.Gateway.Apis;

/// <summary><c>/v1/batches</c>: upload many jobs as JSON lines (checked whole, never held whole in memory), follow and cancel them.</summary>
public static class BatchesApi
{
    public const string JsonLinesType = "application/x-ndjson";

    public static RouteGroupBuilder MapBatchesApi(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/v1/batches").WithTags("Batches");
        group.MapPost("", SubmitBatch).WithName(nameof(SubmitBatch))
            .WithSummary("Submit a batch: one JSON job request per line (requires an Idempotency-Key header)")
            .Accepts<JobRequest>(JsonLinesType)
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge).ProducesProblem(StatusCodes.Status429TooManyRequests);
        group.MapGet("", ListBatches).WithName(nameof(ListBatches)).WithSummary("A tenant's batches with their progress, newest first");
        group.MapGet("/{id}", GetBatch).WithName(nameof(GetBatch)).WithSummary("Get a batch's progress").ProducesProblem(StatusCodes.Status404NotFound);
        group.MapGet("/{id}/jobs", ListBatchJobs).WithName(nameof(ListBatchJobs)).WithSummary("A batch's jobs in upload order (line 1 first)")
            .ProducesProblem(StatusCodes.Status404NotFound);
        group.MapPost("/{id}/cancel", CancelBatch).WithName(nameof(CancelBatch)).WithSummary("Cancel every unfinished job of a batch")
            .ProducesProblem(StatusCodes.Status404NotFound);
        return group;
    }

    /// <summary>
    /// All or nothing: the upload is read line by line, each line checked (fields, model) and spooled to a temporary
    /// file, so a bad line answers 400 before any job is queued; then the pools it goes to are asked whether it fits
    /// (<see cref="UploadAdmission"/>: jobs over the tenant's quota are held, so only a pool's bound refuses, with 429
    /// saying how many would fit); only then are the spooled lines submitted in parts of Turbo:Gateway:BatchPartSize
    /// items, and the batch recorded as the union of its parts. Memory stays at one part however large the upload.
    /// Parts are idempotent under (key, part number): after a 429 the same upload with the same key resubmits nothing
    /// that was already accepted.
    /// </summary>
    public static async Task<Results<Accepted<BatchView>, Ok<BatchView>>> SubmitBatch(HttpContext context, ClaimsPrincipal user, FarmAccess farm, ModelAdmission models, IOptionsMonitor<SchedulerOptions> scheduler)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(farm);
        ArgumentNullException.ThrowIfNull(models);
        ArgumentNullException.ThrowIfNull(scheduler);
        var key = JobsApi.RequireIdempotencyKey(context.Request);
        var caller = Caller.From(user);
        var options = farm.Options;
        RequestBody.Limit(context, options.MaxBatchBodyBytes);
        var batchId = JobIds.ForBatch(caller.Tenant, key);
        await using var spool = BatchSpool.Create();
        var served = models.Snapshot();
        var pools = scheduler.CurrentValue;
        var fresh = new UploadAdmission();
        var webhookHosts = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        await foreach (var (line, request) in JsonLines.ReadAsync<JobRequest>(context.Request.BodyReader, options.MaxBatchLineBytes, context.RequestAborted))
        {
            var own = request with { Tenant = null };
            var (spec, problems) = JobSpecMapper.Map(own, caller, options.DefaultModel, idempotencyKey: null, farm.WebhooksEnabled);
            if (problems.Count == 0 && await served.ProblemAsync(spec!.Model) is { } unserved)
            {
                problems = [unserved];
            }

            if (problems.Count > 0)
            {
                throw new InvalidJobSpecException([.. problems.Select(p => $"lines[{line}].{p}")]);
            }

            if (spec!.Webhook is { } webhook && await RefusedWebhookHostAsync(farm, webhookHosts, webhook, context.RequestAborted) is { } why)
            {
                throw new InvalidJobSpecException([$"lines[{line}].{WebhookTargetCheck.Problem(webhook, why)}"]);
            }

            await spool.WriteAsync(own, context.RequestAborted);
            fresh.Need(pools.PoolFor(spec.Model));
        }

        if (spool.Count == 0)
        {
            throw new InvalidJobSpecException(["body: has no jobs; send one JSON job request per line, e.g. {\"prompt\": \"a red fox in snow\"}."]);
        }

        var existing = await farm.Store.GetBatchAsync(batchId);
        var resumed = await farm.Store.GetBatchAsync(JobIds.ForBatch(caller.Tenant, UploadAdmission.PartKey(key, 0))) is not null;
        var admission = resumed
            ? await UploadAdmission.NotYetRecordedAsync(farm.Store, caller.Tenant, key, options.BatchPartSize,
                spool.ReadAsync(context.RequestAborted).Select(r => pools.PoolFor(JobSpecMapper.Map(r, caller, options.DefaultModel, idempotencyKey: null, farm.WebhooksEnabled).Spec!.Model)))
            : fresh;
        await admission.EnsureFitsAsync(farm.Grains, caller.Tenant);
        var parts = ImmutableArray.CreateBuilder<string>();
        var items = new List<JobSpec>(options.BatchPartSize);
        var accepted = 0;
        await foreach (var request in spool.ReadAsync(context.RequestAborted))
        {
            items.Add(JobSpecMapper.Map(request, caller, options.DefaultModel, idempotencyKey: null, farm.WebhooksEnabled).Spec!);
            if (items.Count == options.BatchPartSize)
            {
                accepted += await SubmitPartAsync(farm, caller, key, batchId, parts, items, accepted);
            }
        }

        if (items.Count > 0)
        {
            accepted += await SubmitPartAsync(farm, caller, key, batchId, parts, items, accepted);
        }

        var summary = JobViewMapper.ToView(await farm.Grains.GetGrain<IBatchGrain>(batchId).Combine(caller.Tenant, parts.ToImmutable()));
        return existing is null ? TypedResults.Accepted($"/v1/batches/{batchId}", summary) : TypedResults.Ok(summary);
    }

    public static async Task<Ok<Page<BatchView>>> ListBatches(ClaimsPrincipal user, FarmAccess farm, string? tenant = null, int? limit = null, string? cursor = null) =>
        TypedResults.Ok(await ListAsync(Caller.From(user), farm, tenant, new PageRequest(limit, cursor)));

    /// <summary>The listing behind <see cref="ListBatches"/>: the caller's tenant unless an admin names another.</summary>
    public static async Task<Page<BatchView>> ListAsync(Caller caller, FarmAccess farm, string? tenant, PageRequest page)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(farm);
        var problems = new List<string>();
        if (tenant is not null && !caller.CanSee(tenant))
        {
            problems.Add($"tenant: '{tenant}' is not your tenant; leave it out to list '{caller.Tenant}'.");
        }

        var window = Paging.Batches.Window(page, problems);
        if (problems.Count > 0)
        {
            throw new InvalidJobSpecException(problems);
        }

        var found = await farm.Store.ListBatchesAsync(tenant ?? caller.Tenant, window.Limit, window.Position);
        var summaries = await Task.WhenAll(found.Batches.Select(b => farm.Grains.GetGrain<IBatchGrain>(b.BatchId).GetSummary()));
        return new Page<BatchView>([.. summaries.Select(JobViewMapper.ToView)], Paging.CursorAt(found.NextCursor));
    }

    public static async Task<Ok<BatchView>> GetBatch(string id, ClaimsPrincipal user, FarmAccess farm)
    {
        ArgumentNullException.ThrowIfNull(farm);
        return TypedResults.Ok(JobViewMapper.ToView(await VisibleSummaryAsync(id, Caller.From(user), farm)));
    }

    public static async Task<Ok<Page<JobView>>> ListBatchJobs(string id, ClaimsPrincipal user, FarmAccess farm, int? limit = null, string? cursor = null)
    {
        ArgumentNullException.ThrowIfNull(farm);
        var problems = new List<string>();
        var window = Paging.BatchJobs.Window(new PageRequest(limit, cursor), problems);
        if (problems.Count > 0)
        {
            throw new InvalidJobSpecException(problems);
        }

        var caller = Caller.From(user);
        var slice = await Visible(id, caller, () => farm.Grains.GetGrain<IBatchGrain>(id).GetJobIds((int)Math.Min(window.Position, int.MaxValue), window.Limit), s => s.Tenant);
        var jobs = await farm.WithLatestProgressAsync(await farm.Store.GetManyAsync(slice.JobIds));
        var next = window.Position + slice.JobIds.Length;
        return TypedResults.Ok(new Page<JobView>([.. jobs.Select(JobViewMapper.ToView)], Paging.CursorAt(next < slice.Total ? next : null)));
    }

    public static async Task<Ok<BatchView>> CancelBatch(string id, ClaimsPrincipal user, FarmAccess farm)
    {
        ArgumentNullException.ThrowIfNull(farm);
        await VisibleSummaryAsync(id, Caller.From(user), farm);
        return TypedResults.Ok(JobViewMapper.ToView(await farm.Grains.GetGrain<IBatchGrain>(id).Cancel()));
    }

    private static async Task<int> SubmitPartAsync(FarmAccess farm, Caller caller, string key, string batchId, ImmutableArray<string>.Builder parts, List<JobSpec> items, int acceptedBefore)
    {
        var partKey = UploadAdmission.PartKey(key, parts.Count);
        var part = new BatchSpec(caller.Tenant, [.. items], partKey, ParentBatchId: batchId);
        var summary = await TransientFarmErrors.Retry.ExecuteAsync(async _ => await farm.Grains.SubmitBatchAsync(part));
        if (summary.Rejected > 0)
        {
            var accepted = acceptedBefore + summary.Total - summary.Rejected;
            throw new AdmissionRejectedException(AdmissionOutcome.QueueFull, summary.RetryAfter,
                $"The farm accepted {accepted} jobs of this upload and turned the rest away: their pool filled up while the upload was submitted (Turbo:Admission:MaxQueuedPerPool). Send the same upload with the same Idempotency-Key later: accepted jobs are not submitted twice.");
        }

        parts.Add(summary.BatchId);
        items.Clear();
        return summary.Total;
    }

    /// <summary>Why the webhook's host is refused, looked up once per host of an upload (a batch often names one receiver).</summary>
    private static async Task<string?> RefusedWebhookHostAsync(FarmAccess farm, Dictionary<string, string?> checkedHosts, Uri webhook, CancellationToken cancellationToken)
    {
        if (!checkedHosts.TryGetValue(webhook.IdnHost, out var why))
        {
            why = await farm.WebhookTargets.WhyRefusedAsync(webhook.IdnHost, cancellationToken);
            checkedHosts[webhook.IdnHost] = why;
        }

        return why;
    }

    /// <summary>The batch's summary from its grain, which keeps the batch in memory (O(1) however large the batch); another tenant's batch is not found.</summary>
    internal static Task<BatchSummary> VisibleSummaryAsync(string id, Caller caller, FarmAccess farm) =>
        Visible(id, caller, () => farm.Grains.GetGrain<IBatchGrain>(id).GetSummary(), s => s.Tenant);

    private static async Task<T> Visible<T>(string id, Caller caller, Func<Task<T>> read, Func<T, string> tenantOf)
    {
        if (string.IsNullOrWhiteSpace(id))
        {
            throw new BatchNotFoundException(id);
        }

        T answer;
        try
        {
            answer = await read();
        }
        catch (KeyNotFoundException)
        {
            throw new BatchNotFoundException(id);
        }

        return caller.CanSee(tenantOf(answer)) ? answer : throw new BatchNotFoundException(id);
    }
}
