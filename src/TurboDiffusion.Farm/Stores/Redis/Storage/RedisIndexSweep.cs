using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace TurboDiffusion.Farm.Stores.Redis;

/// <summary>
/// Removes dangling index entries: ids left in <c>{p}tenant:*</c>, <c>{p}batch:*:jobs</c>, <c>{p}status:*</c> and
/// <c>{p}tenant:*:batches</c> after their record expired. Listings drop the entries they meet, but an index nobody
/// lists (an old tenant's, a finished batch's) would keep them until its own TTL, which every new write refreshes.
/// Only entries scored before now − FinishedJobTtl are looked at: a record expires FinishedJobTtl after its job
/// finished (or its batch was created), so no younger entry can dangle, and a sweep touches the old part of each index.
/// </summary>
public sealed class RedisIndexSweep(IConnectionMultiplexer redis, IOptions<RedisOptions> options, TimeProvider time)
{
    /// <summary>
    /// One step over one index (KEYS: index; ARGV: member key prefix, max score, offset, count): the entries checked
    /// and those removed. Entries still alive stay, so the next step starts past them.
    /// </summary>
    private const string StepScript = """
        local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[2], 'LIMIT', ARGV[3], ARGV[4])
        local removed = 0
        for _, id in ipairs(ids) do
          if redis.call('EXISTS', ARGV[1] .. id) == 0 then
            redis.call('ZREM', KEYS[1], id)
            removed = removed + 1
          end
        end
        return {#ids, removed}
        """;

    private const int StepSize = 500;

    private readonly RedisKeys keys = new(options.Value.KeyPrefix);

    /// <summary>Sweeps every index under the key prefix; answers how many entries were removed.</summary>
    public async Task<long> SweepAsync(CancellationToken cancellationToken)
    {
        var prefix = options.Value.KeyPrefix;
        var cutoff = (time.GetUtcNow() - options.Value.FinishedJobTtl).ToUnixTimeMilliseconds();
        var removed = 0L;
        foreach (var endpoint in redis.GetEndPoints())
        {
            var server = redis.GetServer(endpoint);
            if (server.IsReplica)
            {
                continue;
            }

            foreach (var pattern in new[] { $"{prefix}tenant:*", $"{prefix}batch:*:jobs", $"{prefix}status:*" })
            {
                await foreach (var index in server.KeysAsync(pattern: pattern).WithCancellation(cancellationToken))
                {
                    var members = index.ToString().EndsWith(":batches", StringComparison.Ordinal) ? keys.BatchPrefix : keys.JobPrefix;
                    removed += await SweepIndexAsync(index, members, cutoff, cancellationToken);
                }
            }
        }

        return removed;
    }

    private async Task<long> SweepIndexAsync(RedisKey index, string memberPrefix, long cutoff, CancellationToken cancellationToken)
    {
        var removed = 0L;
        var offset = 0L;
        while (!cancellationToken.IsCancellationRequested)
        {
            var result = (RedisResult[])(await redis.GetDatabase().ScriptEvaluateAsync(StepScript, [index], [memberPrefix, cutoff, offset, StepSize]))!;
            var (checkedCount, removedCount) = ((long)result[0], (long)result[1]);
            removed += removedCount;
            offset += checkedCount - removedCount;
            if (checkedCount < StepSize)
            {
                break;
            }
        }

        return removed;
    }
}
