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
        end
        return 1
        """;

    private const string UpdateScript = """
        local v = redis.call('HGET', KEYS[1], 'v')
        if not v then return {-1, 0} end
        if v ~= ARGV[1] then return {0, tonumber(v)} end
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
        end
        if ARGV[7] == '1' then
          redis.call('SREM', KEYS[4], ARGV[5])
          redis.call('EXPIRE', KEYS[1], ARGV[8])
          redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', '(' .. (tonumber(ARGV[6]) - tonumber(ARGV[8]) * 1000))
        end
        return {1, tonumber(ARGV[2])}
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
            [key, keys.Status(job.Status), keys.PoolActive(job.Pool), keys.Tenant(job.Spec.Tenant), job.BatchId is { } b ? keys.BatchJobs(b) : keys.NoBatch],
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
        var result = (RedisResult[])(await Guard(key, () => Db.ScriptEvaluateAsync(
            UpdateScript,
            [
                key, keys.Status(previous.Status), keys.Status(job.Status), keys.PoolActive(job.Pool), keys.Tenant(job.Spec.Tenant),
                job.BatchId is { } b ? keys.BatchJobs(b) : keys.NoBatch, job.BatchId is { } c ? keys.Batch(c) : keys.NoBatch,
            ],
            [
                expectedVersion, job.Version, job.Status.ToString(), Serialize(job), job.JobId, time.GetUtcNow().ToUnixTimeMilliseconds(),
                job.Status.IsTerminal() ? "1" : "0", TtlSeconds, job.BatchId is null ? "0" : "1",
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
