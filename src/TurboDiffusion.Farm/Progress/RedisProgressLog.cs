using System.Globalization;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using TurboDiffusion.Farm.Contracts;
using TurboDiffusion.Farm.Stores;
using TurboDiffusion.Farm.Stores.Redis;

namespace TurboDiffusion.Farm.Progress;

/// <summary>A Redis stream per job ({prefix}progress:{jobId}), trimmed to about ProgressStreamLength events, expiring ProgressTtl after the last.</summary>
public sealed class RedisProgressLog : IProgressLog
{
    private readonly IConnectionMultiplexer redis;
    private readonly RedisOptions options;
    private readonly RedisKeys keys;
    private readonly TimeProvider time;

    public RedisProgressLog(IConnectionMultiplexer redis, IOptions<RedisOptions> options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        this.redis = redis;
        this.options = options.Value;
        this.time = time;
        keys = new RedisKeys(this.options.KeyPrefix);
    }

    public string IdForm => "MILLISECONDS-SEQUENCE such as 1700000000000-0";

    /// <summary>A full stream id: two unsigned 64-bit numbers; the largest id has no successor to read from.</summary>
    public bool IsEventId(string id)
    {
        ArgumentNullException.ThrowIfNull(id);
        var dash = id.IndexOf('-', StringComparison.Ordinal);
        return dash > 0
            && ulong.TryParse(id.AsSpan(0, dash), NumberStyles.None, CultureInfo.InvariantCulture, out var milliseconds)
            && ulong.TryParse(id.AsSpan(dash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var sequence)
            && (milliseconds, sequence) != (ulong.MaxValue, ulong.MaxValue);
    }

    public async Task AppendAsync(string jobId, JobProgress progress, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(progress);
        var key = keys.Progress(jobId);
        var db = redis.GetDatabase();
        try
        {
            await db.StreamAddAsync(key,
                [
                    new NameValueEntry("stage", progress.Stage.ToString()),
                    new NameValueEntry("done", progress.Done),
                    new NameValueEntry("total", progress.Total),
                    new NameValueEntry("elapsed_ms", (long)progress.Elapsed.TotalMilliseconds),
                    new NameValueEntry("at_ms", time.GetUtcNow().ToUnixTimeMilliseconds()),
                ],
                maxLength: options.ProgressStreamLength,
                useApproximateMaxLength: true);
            await db.KeyExpireAsync(key, options.ProgressTtl);
        }
        catch (RedisException e)
        {
            throw new JobStoreException(key.ToString(), $"Appending progress of job {jobId} failed: {e.Message}", e);
        }
    }

    public async Task<IReadOnlyList<JobProgressEvent>> ReadAsync(string jobId, string? afterId, int count, CancellationToken cancellationToken = default)
    {
        var key = keys.Progress(jobId);
        StreamEntry[] entries;
        try
        {
            entries = await redis.GetDatabase().StreamRangeAsync(key, afterId is null ? "-" : "(" + afterId, "+", count);
        }
        catch (RedisException e)
        {
            throw new JobStoreException(key.ToString(), $"Reading progress of job {jobId} failed: {e.Message}", e);
        }

        return [.. entries.Select(e => new JobProgressEvent(
            e.Id.ToString(),
            Enum.Parse<JobStage>(e["stage"].ToString()),
            (int)e["done"],
            (int)e["total"],
            TimeSpan.FromMilliseconds((long)e["elapsed_ms"]),
            DateTimeOffset.FromUnixTimeMilliseconds((long)e["at_ms"])))];
    }
}
