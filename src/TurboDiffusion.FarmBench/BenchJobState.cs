using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;
using TurboDiffusion.Farm.Stores;
using TurboDiffusion.Farm.Stores.InMemory;
using TurboDiffusion.Farm.Stores.Redis;

namespace TurboDiffusion.FarmBench;

/// <summary>The job store a benchmark run uses; a Redis one lives under its own key prefix, removed when the run ends.</summary>
internal sealed class BenchJobState : IAsyncDisposable
{
    private readonly ConnectionMultiplexer? redis;
    private readonly string? prefix;

    private BenchJobState(IJobStore store, ConnectionMultiplexer? redis, string? prefix)
    {
        Store = store;
        this.redis = redis;
        this.prefix = prefix;
    }

    public IJobStore Store { get; }

    public static async Task<BenchJobState> OpenAsync(BenchStore kind, IConfiguration configuration)
    {
        if (kind == BenchStore.Memory)
        {
            return new BenchJobState(new InMemoryJobStore(), null, null);
        }

        var key = $"{RedisOptions.Section}:{nameof(RedisOptions.ConnectionString)}";
        var connection = configuration[key];
        if (string.IsNullOrWhiteSpace(connection))
        {
            throw new InvalidOperationException($"--store redis needs {key} (environment Turbo__Redis__ConnectionString), e.g. localhost:6379.");
        }

        var redis = await ConnectionMultiplexer.ConnectAsync(connection);
        var prefix = $"bench:{Guid.NewGuid():N}:";
        var store = new RedisJobStore(redis, Microsoft.Extensions.Options.Options.Create(new RedisOptions { ConnectionString = connection, KeyPrefix = prefix }), TimeProvider.System, NullLogger<RedisJobStore>.Instance);
        return new BenchJobState(store, redis, prefix);
    }

    public async ValueTask DisposeAsync()
    {
        if (redis is null)
        {
            return;
        }

        var server = redis.GetServer(redis.GetEndPoints()[0]);
        var keys = new List<RedisKey>();
        await foreach (var key in server.KeysAsync(pattern: prefix + "*", pageSize: 1000))
        {
            keys.Add(key);
        }

        foreach (var chunk in keys.Chunk(1000))
        {
            await redis.GetDatabase().KeyDeleteAsync(chunk);
        }

        await redis.DisposeAsync();
    }
}
