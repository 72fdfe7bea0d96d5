using Microsoft.Extensions.Options;
using TurboDiffusion.Farm.Options;

namespace TurboDiffusion.Farm.Stores.Redis;

/// <summary>Redis for job state, progress streams and cluster membership (section <c>Turbo:Redis</c>).</summary>
public sealed class RedisOptions
{
    public const string Section = "Turbo:Redis";
    public const string DefaultKeyPrefix = "turbo:";
    public static readonly TimeSpan DefaultFinishedJobTtl = TimeSpan.FromDays(7);
    public const int DefaultProgressStreamLength = 1000;
    public static readonly TimeSpan DefaultProgressTtl = TimeSpan.FromDays(1);
    public static readonly TimeSpan DefaultFinishedProgressTtl = TimeSpan.FromMinutes(10);
    public static readonly TimeSpan DefaultIndexSweepInterval = TimeSpan.FromHours(1);

    /// <summary>A StackExchange.Redis configuration string, e.g. "redis:6379,password=...". Never logged.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>Prepended to every key, so several farms (or test runs) can share one Redis.</summary>
    public string KeyPrefix { get; set; } = DefaultKeyPrefix;

    /// <summary>How long a finished job's record (and its index entries) stays after its last change.</summary>
    public TimeSpan FinishedJobTtl { get; set; } = DefaultFinishedJobTtl;

    /// <summary>Progress events kept per job stream (approximate trim, XADD MAXLEN ~).</summary>
    public int ProgressStreamLength { get; set; } = DefaultProgressStreamLength;

    /// <summary>How long a job's progress stream lives after its last event.</summary>
    public TimeSpan ProgressTtl { get; set; } = DefaultProgressTtl;

    /// <summary>
    /// How long a job's progress stream stays once the job has finished (never longer than <see cref="ProgressTtl"/>):
    /// time for late watchers to read the last events. The job's record keeps its final progress for FinishedJobTtl;
    /// the stream (about 5 KB however short) would otherwise more than double what a finished job costs.
    /// </summary>
    public TimeSpan FinishedProgressTtl { get; set; } = DefaultFinishedProgressTtl;

    /// <summary>How often the index sweep removes entries whose job or batch record expired (RedisIndexSweep).</summary>
    public TimeSpan IndexSweepInterval { get; set; } = DefaultIndexSweepInterval;
}

public sealed class RedisOptionsValidator : IValidateOptions<RedisOptions>
{
    public ValidateOptionsResult Validate(string? name, RedisOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new OptionsProblems(RedisOptions.Section)
            .Require(!string.IsNullOrWhiteSpace(options.ConnectionString), nameof(options.ConnectionString), "is not set; give the Redis endpoint, e.g. \"localhost:6379\" (environment Turbo__Redis__ConnectionString), or leave Redis out for in-memory job state.")
            .Require(!string.IsNullOrEmpty(options.KeyPrefix) && !options.KeyPrefix.Contains(' ', StringComparison.Ordinal), nameof(options.KeyPrefix), "must be a non-empty prefix without spaces, e.g. \"turbo:\".")
            .Range(nameof(options.FinishedJobTtl), options.FinishedJobTtl, TimeSpan.FromMinutes(1), TimeSpan.FromDays(365))
            .Range(nameof(options.ProgressStreamLength), options.ProgressStreamLength, 10, 100_000)
            .Range(nameof(options.ProgressTtl), options.ProgressTtl, TimeSpan.FromMinutes(1), TimeSpan.FromDays(30))
            .Range(nameof(options.FinishedProgressTtl), options.FinishedProgressTtl, TimeSpan.FromSeconds(10), options.ProgressTtl)
            .Range(nameof(options.IndexSweepInterval), options.IndexSweepInterval, TimeSpan.FromSeconds(10), TimeSpan.FromDays(7))
            .Result();
    }
}
