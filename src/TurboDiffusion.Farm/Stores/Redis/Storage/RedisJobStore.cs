using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using TurboDiffusion.Farm.Contracts;
using TurboDiffusion.Farm.Serialization;

namespace TurboDiffusion.Farm.Stores.Redis;

/// <summary>
/// Job and batch records in Redis; the key schema is on <see cref="RedisKeys"/>. A record and its index entries
/// change together in one Lua script, which also does the compare-and-set on the version.
/// </summary>
public sealed partial class RedisJobStore : IJobStore
{
    private const string CreateScript = """
        if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
        redis.call('HSET', KEYS[1], 'v', ARGV[1], 's', ARGV[2], 'd', ARGV[3])
        redis.call('ZADD', KEYS[2], ARGV[5], ARGV[4])
        redis.call('EXPIRE', KEYS[2], ARGV[6])
        redis.call('SADD', KEYS[3], ARGV[4])
        redis.call('ZADD', KEYS[4], ARGV[5], ARGV[4])
        redis.call('EXPIRE', KEYS[4], ARGV[6])
        if ARGV[7] == '1' then
          redis.call('ZADD', KEYS[5], ARGV[5], ARGV[4])
          redis.call('EXPIRE', KEYS[5], ARGV[6])
          redis.call('HINCRBY', KEYS[6], ARGV[2], 1)
          redis.call('EXPIRE', KEYS[6], ARGV[6])
        end
        return 1
        """;

    private const string UpdateScript = """
        local v = redis.call('HGET', KEYS[1], 'v')
        if not v then return {-1, 0} end
        if v ~= ARGV[1] then return {0, tonumber(v)} end
        local was = redis.call('HGET', KEYS[1], 's')
        redis.call('HSET', KEYS[1], 'v', ARGV[2], 's', ARGV[3], 'd', ARGV[4])
        if KEYS[2] ~= KEYS[3] then
          redis.call('ZREM', KEYS[2], ARGV[5])
          redis.call('ZADD', KEYS[3], ARGV[6], ARGV[5])
        end
        redis.call('EXPIRE', KEYS[3], ARGV[8])
        redis.call('EXPIRE', KEYS[5], ARGV[8])
        if ARGV[9] == '1' then
          redis.call('EXPIRE', KEYS[6], ARGV[8])
          redis.call('EXPIRE', KEYS[7], ARGV[8])
          if was ~= ARGV[3] then
            redis.call('HINCRBY', KEYS[8], was, -1)
            redis.call('HINCRBY', KEYS[8], ARGV[3], 1)
          end
          redis.call('EXPIRE', KEYS[8], ARGV[8])
        end
        if ARGV[7] == '1' then
          redis.call('SREM', KEYS[4], ARGV[5])
          redis.call('EXPIRE', KEYS[1], ARGV[8])
          redis.call('EXPIRE', KEYS[9], ARGV[10], 'LT')
          redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', '(' .. (tonumber(ARGV[6]) - tonumber(ARGV[8]) * 1000))
          if ARGV[11] == '1' then
            redis.call('SET', KEYS[10], ARGV[5], 'EX', ARGV[8])
            redis.call('SET', KEYS[11], ARGV[5], 'EX', ARGV[8])
          end
        end
        return {1, tonumber(ARGV[2])}
        """;

    /// <summary>
    /// Recounts a batch from its index in one atomic step (KEYS: counts, batch index; ARGV: job key prefix, TTL s):
    /// each indexed job's stored status is counted, entries whose record expired leave the index. Returns
    /// {indexed, status, count, status, count, ...}. It blocks Redis for the length of the batch (about 1 µs a job).
    /// </summary>
    private const string RecountScript = """
        local ids = redis.call('ZRANGE', KEYS[2], 0, -1)
        local counts = {}
        local indexed = 0
        for _, id in ipairs(ids) do
          local s = redis.call('HGET', ARGV[1] .. id, 's')
          if s then
            counts[s] = (counts[s] or 0) + 1
            indexed = indexed + 1
          else
            redis.call('ZREM', KEYS[2], id)
          end
        end
        redis.call('DEL', KEYS[1])
        local out = {indexed}
        for s, c in pairs(counts) do
          redis.call('HSET', KEYS[1], s, c)
          table.insert(out, s)
          table.insert(out, c)
        end
        if indexed > 0 then redis.call('EXPIRE', KEYS[1], ARGV[2]) end
        return out
        """;

    /// <summary>Deletes a render index entry (KEYS[1]) only while it still names the job ARGV[1].</summary>
    private const string DropRenderScript = """
        if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
        return 0
        """;

    private const int ListChunk = 200;

    private readonly IConnectionMultiplexer redis;
    private readonly RedisKeys keys;
    private readonly RedisOptions options;
    private readonly TimeProvider time;
    private readonly ILogger<RedisJobStore> logger;

    public RedisJobStore(IConnectionMultiplexer redis, IOptions<RedisOptions> options, TimeProvider time, ILogger<RedisJobStore> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        this.redis = redis;
        this.options = options.Value;
        this.time = time;
        this.logger = logger;
        keys = new RedisKeys(this.options.KeyPrefix);
    }

    private IDatabase Db => redis.GetDatabase();

    private long TtlSeconds => (long)options.FinishedJobTtl.TotalSeconds;

    public async Task<JobState?> GetAsync(string jobId, CancellationToken cancellationToken = default)
    {
        var key = keys.Job(jobId);
        var json = await Guard(key, () => Db.HashGetAsync(key, "d"));
        return json.IsNull ? null : Deserialize(key, json!);
    }

    public async Task<IReadOnlyList<JobState>> GetManyAsync(IReadOnlyList<string> jobIds, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(jobIds);
        var found = new List<JobState>(jobIds.Count);
        foreach (var chunk in jobIds.Chunk(500))
        {
            var db = Db;
            var values = await Guard(keys.Job(chunk[0]), () => Task.WhenAll(chunk.Select(id => db.HashGetAsync(keys.Job(id), "d"))));
            found.AddRange(values.Select((v, i) => v.IsNull ? null : Deserialize(keys.Job(chunk[i]), v!)).OfType<JobState>());
        }

        return found;
    }

    public async Task<bool> TryCreateAsync(JobState job, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(job);
        var key = keys.Job(job.JobId);
        var result = await Guard(key, () => Db.ScriptEvaluateAsync(
            CreateScript,
            [
                key, keys.Status(job.Status), keys.PoolActive(job.Pool), keys.Tenant(job.Spec.Tenant), job.BatchId is { } b ? keys.BatchJobs(b) : keys.NoBatch,
                job.BatchId is { } c ? keys.BatchCounts(c) : keys.NoBatchCounts,
            ],
            [job.Version, job.Status.ToString(), Serialize(job), job.JobId, job.Timings.SubmittedAt.ToUnixTimeMilliseconds(), TtlSeconds, job.BatchId is null ? "0" : "1"]));
        return (long)result == 1;
    }

    public async Task UpdateAsync(JobState previous, JobState replacement, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(previous);
        ArgumentNullException.ThrowIfNull(replacement);
        var job = replacement;
        var expectedVersion = previous.Version;
        var key = keys.Job(job.JobId);
        var render = job is { Status: JobStatus.Succeeded, Artifact.ContentKey: { } contentKey } ? contentKey : null;
        var result = (RedisResult[])(await Guard(key, () => Db.ScriptEvaluateAsync(
            UpdateScript,
            [
                key, keys.Status(previous.Status), keys.Status(job.Status), keys.PoolActive(job.Pool), keys.Tenant(job.Spec.Tenant),
                job.BatchId is { } b ? keys.BatchJobs(b) : keys.NoBatch, job.BatchId is { } c ? keys.Batch(c) : keys.NoBatch,
                job.BatchId is { } d ? keys.BatchCounts(d) : keys.NoBatchCounts, keys.Progress(job.JobId),
                render is null ? keys.NoRender : keys.Render(render, job.Spec.Tenant), render is null ? keys.NoRender : keys.Render(render, null),
            ],
            [
                expectedVersion, job.Version, job.Status.ToString(), Serialize(job), job.JobId, time.GetUtcNow().ToUnixTimeMilliseconds(),
                job.Status.IsTerminal() ? "1" : "0", TtlSeconds, job.BatchId is null ? "0" : "1", (long)options.FinishedProgressTtl.TotalSeconds,
                render is null ? "0" : "1",
            ])))!;
        switch ((long)result[0])
        {
            case 1:
                return;
            case -1:
                throw new JobStoreConflictException(key.ToString(), job.JobId, expectedVersion, null);
            default:
                throw new JobStoreConflictException(key.ToString(), job.JobId, expectedVersion, (long)result[1]);
        }
    }

    public async Task<JobState?> FindRenderAsync(string contentKey, string? tenant, CancellationToken cancellationToken = default)
    {
        var index = keys.Render(contentKey, tenant);
        var jobId = await Guard(index, () => Db.StringGetAsync(index));
        if (jobId.IsNull)
        {
            return null;
        }

        if (await GetAsync(jobId.ToString(), cancellationToken) is { Status: JobStatus.Succeeded } job && job.Artifact?.ContentKey == contentKey)
        {
            return job;
        }

        // The entry outlived or no longer matches its job: drop it, unless a newer success replaced it meanwhile.
        await Guard(index, () => Db.ScriptEvaluateAsync(DropRenderScript, [index], [jobId]));
        return null;
    }

    public async Task<IReadOnlyList<JobState>> ListActiveAsync(string pool, CancellationToken cancellationToken = default)
    {
        var key = keys.PoolActive(pool);
        var ids = await Guard(key, () => Db.SetMembersAsync(key));
        var jobs = await GetManyAsync([.. ids.Select(id => id.ToString())], cancellationToken);
        return [.. jobs.Where(j => !j.Status.IsTerminal())];
    }

    public async Task<JobPage> ListAsync(JobQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        query.EnsureValid();
        var index = query.BatchId is { } batch ? keys.BatchJobs(batch)
            : query.Tenant is { } tenant ? keys.Tenant(tenant)
            : keys.Status(query.Status!.Value);
        var jobs = new List<JobState>();
        var position = query.Cursor;
        while (jobs.Count < query.Limit)
        {
            var start = position;
            var ids = await Guard(index, () => Db.SortedSetRangeByRankAsync(index, start, start + ListChunk - 1, Order.Descending));
            if (ids.Length == 0)
            {
                return new JobPage(jobs, null);
            }

            var db = Db;
            var values = await Guard(index, () => Task.WhenAll(ids.Select(id => db.HashGetAsync(keys.Job(id.ToString()), "d"))));
            for (var i = 0; i < ids.Length && jobs.Count < query.Limit; i++)
            {
                position++;
                if (values[i].IsNull)
                {
                    // The job's record expired: drop its index entry as we pass it.
                    await Guard(index, () => Db.SortedSetRemoveAsync(index, ids[i]));
                    position--;
                    continue;
                }

                var job = Deserialize(keys.Job(ids[i].ToString()), values[i]!);
                if (query.Matches(job))
                {
                    jobs.Add(job);
                }
            }
        }

        var more = await Guard(index, () => Db.SortedSetLengthAsync(index)) > position;
        return new JobPage(jobs, more ? position : null);
    }

    public async Task<bool> TryCreateBatchAsync(BatchState batch, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var key = keys.Batch(batch.BatchId);
        var json = JsonSerializer.Serialize(batch, FarmJsonContext.Default.BatchState);
        if (!await Guard(key, () => Db.StringSetAsync(key, json, options.FinishedJobTtl, When.NotExists)))
        {
            return false;
        }

        if (batch.ParentBatchId is null)
        {
            var index = keys.TenantBatches(batch.Tenant);
            await Guard(index, () => Db.SortedSetAddAsync(index, batch.BatchId, batch.CreatedAt.ToUnixTimeMilliseconds()));
            await Guard(index, () => Db.KeyExpireAsync(index, options.FinishedJobTtl));
        }

        return true;
    }

    public async Task<BatchCounts?> GetBatchCountsAsync(string batchId, CancellationToken cancellationToken = default)
    {
        var countsKey = keys.BatchCounts(batchId);
        var index = keys.BatchJobs(batchId);
        var db = Db;
        var (fields, indexed) = await Guard(countsKey, async () =>
        {
            var batch = db.CreateBatch();
            var read = batch.HashGetAllAsync(countsKey);
            var length = batch.SortedSetLengthAsync(index);
            batch.Execute();
            return (await read, await length);
        });
        return fields.Length == 0 ? null : new BatchCounts(ToCounts(countsKey, fields.Select(f => (f.Name.ToString(), (long)f.Value))), indexed);
    }

    public async Task<BatchCounts> RecountBatchAsync(string batchId, CancellationToken cancellationToken = default)
    {
        var countsKey = keys.BatchCounts(batchId);
        var result = (RedisResult[])(await Guard(countsKey, () => Db.ScriptEvaluateAsync(
            RecountScript, [countsKey, keys.BatchJobs(batchId)], [keys.JobPrefix, TtlSeconds])))!;
        var pairs = Enumerable.Range(0, (result.Length - 1) / 2).Select(i => ((string)result[1 + (2 * i)]!, (long)result[2 + (2 * i)]));
        return new BatchCounts(ToCounts(countsKey, pairs), (long)result[0]);
    }

    private static Dictionary<JobStatus, int> ToCounts(RedisKey key, IEnumerable<(string Status, long Count)> fields)
    {
        var counts = new Dictionary<JobStatus, int>();
        foreach (var (status, count) in fields)
        {
            if (!Enum.TryParse<JobStatus>(status, out var parsed))
            {
                throw new JobStoreException(key.ToString(), $"The batch counts hold an unknown status '{status}'");
            }

            if (count != 0)
            {
                counts[parsed] = (int)count;
            }
        }

        return counts;
    }

    public async Task<BatchPage> ListBatchesAsync(string tenant, int limit, long cursor = 0, CancellationToken cancellationToken = default)
    {
        var index = keys.TenantBatches(tenant);
        var batches = new List<BatchState>();
        var position = cursor;
        while (batches.Count < limit)
        {
            var start = position;
            var ids = await Guard(index, () => Db.SortedSetRangeByRankAsync(index, start, start + limit - batches.Count - 1, Order.Descending));
            if (ids.Length == 0)
            {
                return new BatchPage(batches, null);
            }

            foreach (var id in ids)
            {
                if (await GetBatchAsync(id.ToString(), cancellationToken) is { } batch)
                {
                    batches.Add(batch);
                    position++;
                }
                else
                {
                    // The batch's record expired: drop its index entry as we pass it.
                    await Guard(index, () => Db.SortedSetRemoveAsync(index, id));
                }
            }
        }

        var more = await Guard(index, () => Db.SortedSetLengthAsync(index)) > position;
        return new BatchPage(batches, more ? position : null);
    }

    public async Task<BatchState?> GetBatchAsync(string batchId, CancellationToken cancellationToken = default)
    {
        var key = keys.Batch(batchId);
        var json = await Guard(key, () => Db.StringGetAsync(key));
        if (json.IsNull)
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize((string)json!, FarmJsonContext.Default.BatchState);
        }
        catch (JsonException e)
        {
            throw new JobStoreException(key.ToString(), $"Batch {batchId}: the stored record is not valid BatchState JSON", e);
        }
    }

    private static string Serialize(JobState job) => JsonSerializer.Serialize(job, FarmJsonContext.Default.JobState);

    private static JobState Deserialize(RedisKey key, string json)
    {
        try
        {
            return JsonSerializer.Deserialize(json, FarmJsonContext.Default.JobState)
                ?? throw new JobStoreException(key.ToString(), "The stored job record is null");
        }
        catch (JsonException e)
        {
            throw new JobStoreException(key.ToString(), "The stored job record is not valid JobState JSON", e);
        }
    }

    private async Task<T> Guard<T>(RedisKey key, Func<Task<T>> call)
    {
        try
        {
            return await call();
        }
        catch (RedisException e)
        {
            LogRedisFailed(key.ToString(), e);
            throw new JobStoreException(key.ToString(), $"Redis failed: {e.Message}. Check that Redis is reachable at Turbo:Redis:ConnectionString", e);
        }
        catch (TimeoutException e)
        {
            LogRedisFailed(key.ToString(), e);
            throw new JobStoreException(key.ToString(), string.Create(CultureInfo.InvariantCulture, $"Redis timed out: {e.Message}"), e);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Redis call on {Key} failed")]
    private partial void LogRedisFailed(string key, Exception exception);
}
