using StackExchange.Redis;
using TurboDiffusion.Farm.Contracts;

namespace TurboDiffusion.Farm.Stores.Redis;

/// <summary>
/// Every Redis key the farm uses, built in one place ({p} is <see cref="RedisOptions.KeyPrefix"/>):
/// <list type="table">
/// <item><term>{p}job:{jobId}</term><description>hash: v (version), s (status), d (JobState JSON). No TTL while unfinished; FinishedJobTtl once finished.</description></item>
/// <item><term>{p}pool:{pool}:active</term><description>set of the pool's unfinished job ids: what a scheduler rebuilds its queue from.</description></item>
/// <item><term>{p}status:{status}</term><description>sorted set of job ids by when they entered that status (ms); entries of finished statuses older than FinishedJobTtl are trimmed.</description></item>
/// <item><term>{p}tenant:{tenant}</term><description>sorted set of the tenant's job ids by submission time (ms).</description></item>
/// <item><term>{p}batch:{batchId}:jobs</term><description>sorted set of the batch's job ids by submission time (ms).</description></item>
/// <item><term>{p}batch:{batchId}:counts</term><description>hash: status name → how many of the batch's item jobs are in it, changed by the same script as the job; rebuilt by a recount when it disagrees with batch:{batchId}:jobs.</description></item>
/// <item><term>{p}batch:{batchId}</term><description>string: BatchState JSON, created with SET NX.</description></item>
/// <item><term>{p}tenant:{tenant}:batches</term><description>sorted set of the tenant's batch ids (not parts of uploads) by creation (ms), FinishedJobTtl from the last.</description></item>
/// <item><term>{p}webhook:{id}</term><description>string: a webhook delivery JSON; {p}webhooks:due (pending ids by next attempt, ms) and {p}job:{jobId}:webhooks (a job's delivery ids); see RedisWebhookOutbox.</description></item>
/// <item><term>{p}render:{contentKey}:tenant:{tenant}, {p}render:{contentKey}:any</term><description>string: the job id of the latest success with that RenderKey, of the tenant / of anyone; set by the job's succeeding write with the job record's TTL (FinishedJobTtl), so the entry goes with the record.</description></item>
/// <item><term>{p}progress:{jobId}</term><description>stream of progress events (XADD MAXLEN ~ ProgressStreamLength), ProgressTtl after the last event, cut to FinishedProgressTtl when the job finishes.</description></item>
/// </list>
/// Index sets carry FinishedJobTtl refreshed on every write, so idle ones vanish; entries whose job record expired are
/// removed when a listing meets them, and by <see cref="RedisIndexSweep"/> every IndexSweepInterval.
/// </summary>
internal sealed class RedisKeys(string prefix)
{
    public RedisKey Job(string jobId) => $"{prefix}job:{jobId}";

    public RedisKey PoolActive(string pool) => $"{prefix}pool:{pool}:active";

    public RedisKey Status(JobStatus status) => $"{prefix}status:{status.ToString().ToLowerInvariant()}";

    public RedisKey Tenant(string tenant) => $"{prefix}tenant:{tenant}";

    public RedisKey BatchJobs(string batchId) => $"{prefix}batch:{batchId}:jobs";

    public RedisKey Batch(string batchId) => $"{prefix}batch:{batchId}";

    public RedisKey BatchCounts(string batchId) => $"{prefix}batch:{batchId}:counts";

    /// <summary>What <see cref="Job"/> puts before a job id: scripts that visit many jobs build their keys from it.</summary>
    public string JobPrefix => $"{prefix}job:";

    /// <summary>What <see cref="Batch"/> puts before a batch id.</summary>
    public string BatchPrefix => $"{prefix}batch:";

    public RedisKey TenantBatches(string tenant) => $"{prefix}tenant:{tenant}:batches";

    public RedisKey Progress(string jobId) => $"{prefix}progress:{jobId}";

    /// <summary>The render index entry of <paramref name="tenant"/>, or of any tenant when null.</summary>
    public RedisKey Render(string contentKey, string? tenant) => tenant is null ? $"{prefix}render:{contentKey}:any" : $"{prefix}render:{contentKey}:tenant:{tenant}";

    /// <summary>As <see cref="NoBatch"/>, for a job that indexes no render.</summary>
    public RedisKey NoRender => $"{prefix}render:-";

    /// <summary>A key no one writes: stands in for "no batch" so scripts always get the same number of keys.</summary>
    public RedisKey NoBatch => $"{prefix}batch:-:jobs";

    /// <summary>As <see cref="NoBatch"/>, for the counts.</summary>
    public RedisKey NoBatchCounts => $"{prefix}batch:-:counts";
}
