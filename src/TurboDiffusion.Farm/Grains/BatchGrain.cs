using System.Collections.Immutable;
using Microsoft.Extensions.Options;
using TurboDiffusion.Farm.Contracts;
using TurboDiffusion.Farm.Options;
using TurboDiffusion.Farm.Scheduling;
using TurboDiffusion.Farm.Stores;

namespace TurboDiffusion.Farm.Grains;

/// <summary>
/// A batch: records its item job ids once, then submits the items grouped by model (so consecutive leases
/// find the model warm) a few at a time. Item ids are derived from the batch id and the item's index, so a
/// resubmission reaches the same jobs: accepted items answer as duplicates, rejected ones get another try.
/// The summary reads the counts the store keeps beside the jobs (O(1) however large the batch), recounting from the
/// jobs when those are missing or disagree with the batch's index; items never recorded (rejected by admission) count
/// as rejected. Items over the tenant's quota are recorded Held and counted as such; cancelling the batch cancels them
/// too. A part of a larger upload counts its own items, whose jobs name the whole upload as their batch.
/// </summary>
internal sealed class BatchGrain(IJobStore store, IOptions<AdmissionOptions> admissionOptions, IOptions<SchedulerOptions> schedulerOptions, JobCost cost, TimeProvider time) : Grain, IBatchGrain
{
    private const int SubmitConcurrency = 32;
    private const int CancelReadChunk = 1000;
    private const int CancelConcurrency = 64;

    private BatchState? state;

    private string BatchId => this.GetPrimaryKeyString();

    public override async Task OnActivateAsync(CancellationToken cancellationToken) =>
        state = await store.GetBatchAsync(BatchId, cancellationToken);

    public async Task<BatchSummary> Submit(BatchSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var maxItems = admissionOptions.Value.MaxBatchItems;
        if (spec.Items.Length > maxItems)
        {
            throw new InvalidJobSpecException([$"items: the batch has {spec.Items.Length} items; split it into batches of at most {maxItems} (Turbo:Admission:MaxBatchItems)."]);
        }

        var jobIds = Enumerable.Range(0, spec.Items.Length).Select(i => JobIds.ForBatchItem(BatchId, i)).ToImmutableArray();
        if (state is null)
        {
            var created = new BatchState(BatchId, spec.Tenant, time.GetUtcNow(), jobIds, spec.ParentBatchId);
            state = await store.TryCreateBatchAsync(created) ? created : await store.GetBatchAsync(BatchId);
        }

        if (state is null || state.Tenant != spec.Tenant || !state.JobIds.SequenceEqual(jobIds))
        {
            throw new IdempotencyConflictException(BatchId);
        }

        var order = Enumerable.Range(0, spec.Items.Length).OrderBy(i => spec.Items[i].Model, StringComparer.Ordinal).ThenBy(i => i).ToList();
        var retryAfter = TimeSpan.Zero;
        var submittedAt = time.GetUtcNow();
        foreach (var chunk in order.Chunk(SubmitConcurrency))
        {
            Task<SubmitResult> SubmitItem(int i)
            {
                var item = spec.Priority is { } priority ? spec.Items[i] with { Priority = priority } : spec.Items[i];
                return GrainFactory.GetGrain<IJobGrain>(jobIds[i]).Submit(item, spec.ParentBatchId ?? BatchId, submittedAt);
            }

            var results = await SideBySide(spec.Tenant, chunk.Select(i => spec.Items[i]))
                ? await Task.WhenAll(chunk.Select(SubmitItem))
                : await OneByOne(chunk, SubmitItem);
            foreach (var result in results.Where(r => r.Outcome == SubmitOutcome.Rejected && r.RetryAfter > retryAfter))
            {
                retryAfter = result.RetryAfter;
            }
        }

        return await Summarize(state, retryAfter);
    }

    public Task<BatchSummary> GetSummary() => Summarize(Current(), TimeSpan.Zero);

    public async Task<BatchSummary> Combine(string tenant, ImmutableArray<string> partBatchIds)
    {
        var jobIds = ImmutableArray.CreateBuilder<string>();
        foreach (var partId in partBatchIds)
        {
            var part = await store.GetBatchAsync(partId)
                ?? throw new KeyNotFoundException($"Batch {BatchId}: its part {partId} does not exist; submit every part before combining them.");
            if (part.Tenant != tenant)
            {
                throw new IdempotencyConflictException(BatchId);
            }

            jobIds.AddRange(part.JobIds);
        }

        if (state is null)
        {
            var created = new BatchState(BatchId, tenant, time.GetUtcNow(), jobIds.ToImmutable());
            state = await store.TryCreateBatchAsync(created) ? created : await store.GetBatchAsync(BatchId);
        }

        if (state is null || state.Tenant != tenant || !state.JobIds.SequenceEqual(jobIds))
        {
            throw new IdempotencyConflictException(BatchId);
        }

        return await Summarize(state, TimeSpan.Zero);
    }

    public async Task<BatchSummary> Cancel()
    {
        var batch = Current();
        // Read a chunk of records at a time (never the whole batch), and cancel its open jobs side by side.
        foreach (var chunk in batch.JobIds.Chunk(CancelReadChunk))
        {
            var open = (await store.GetManyAsync(chunk)).Where(j => !j.Status.IsTerminal()).Select(j => j.JobId);
            await Parallel.ForEachAsync(open, new ParallelOptions { MaxDegreeOfParallelism = CancelConcurrency, TaskScheduler = TaskScheduler.Current }, async (jobId, _) =>
            {
                try
                {
                    await GrainFactory.GetGrain<IJobGrain>(jobId).Cancel();
                }
                catch (InvalidJobTransitionException)
                {
                    // Finished between the read and the cancel: nothing left to cancel.
                }
            });
        }

        return await Summarize(batch, TimeSpan.Zero);
    }

    public Task<BatchJobSlice> GetJobIds(int offset, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var batch = Current();
        var start = Math.Min(offset, batch.JobIds.Length);
        return Task.FromResult(new BatchJobSlice(batch.Tenant, batch.JobIds.Length, batch.JobIds.Slice(start, Math.Min(count, batch.JobIds.Length - start))));
    }

    /// <summary>
    /// Whether a chunk of items may be submitted side by side: in each of its pools they all fit the tenant's quota (in
    /// its unit: jobs or estimated GPU-seconds), or
    /// they are all held (the tenant has held jobs there already). A chunk that straddles the quota goes one item at a
    /// time, so no item is queued while an earlier one of the batch is held.
    /// </summary>
    private async Task<bool> SideBySide(string tenant, IEnumerable<JobSpec> items)
    {
        foreach (var pool in items.GroupBy(i => schedulerOptions.Value.PoolFor(i.Model)))
        {
            var room = await GrainFactory.GetGrain<ISchedulerGrain>(pool.Key).Room(tenant);
            if (room.Held == 0 && room.Queue < pool.Sum(cost.Of))
            {
                return false;
            }
        }

        return true;
    }

    private static async Task<SubmitResult[]> OneByOne(int[] chunk, Func<int, Task<SubmitResult>> submit)
    {
        var results = new SubmitResult[chunk.Length];
        for (var k = 0; k < chunk.Length; k++)
        {
            results[k] = await submit(chunk[k]);
        }

        return results;
    }

    private BatchState Current() => state ?? throw new KeyNotFoundException($"Batch {BatchId} does not exist (never submitted, or its record expired).");

    private async Task<BatchSummary> Summarize(BatchState batch, TimeSpan retryAfter)
    {
        var counts = batch.ParentBatchId is null ? await KeptCounts(batch.BatchId) : await CountPart(batch);
        var missing = Math.Max(0, batch.JobIds.Length - counts.Values.Sum());
        return new BatchSummary(batch.BatchId, batch.Tenant, batch.JobIds.Length, counts, batch.CreatedAt, missing, missing > 0 ? retryAfter : TimeSpan.Zero);
    }

    private async Task<ImmutableDictionary<JobStatus, int>> KeptCounts(string batchId)
    {
        var kept = await store.GetBatchCountsAsync(batchId);
        if (kept is not { Consistent: true })
        {
            kept = await store.RecountBatchAsync(batchId);
        }

        return kept.ByStatus.Where(c => c.Value > 0).ToImmutableDictionary();
    }

    private async Task<ImmutableDictionary<JobStatus, int>> CountPart(BatchState part) =>
        (await store.GetManyAsync(part.JobIds)).GroupBy(j => j.Status).ToImmutableDictionary(g => g.Key, g => g.Count());
}
