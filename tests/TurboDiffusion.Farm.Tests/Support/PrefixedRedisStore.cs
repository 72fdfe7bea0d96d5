using Microsoft.Extensions.Logging.Abstractions;
using TurboDiffusion.Farm.Stores.Redis;

namespace TurboDiffusion.Farm.Tests.Support;

/// <summary>Job stores on the real Redis under one test's own key prefix, and the removal of every key under it.</summary>
internal sealed class PrefixedRedisStore : IAsyncDisposable
{
    private readonly string prefix = $"test:{Guid.NewGuid():N}:";

    /// <summary>A store over this prefix; each call opens another view of the same keys, as a restarted silo would.</summary>
    public async Task<RedisJobStore> OpenAsync() =>
        new(await RealServices.RedisAsync(), Microsoft.Extensions.Options.Options.Create(new RedisOptions { KeyPrefix = prefix }), TimeProvider.System, NullLogger<RedisJobStore>.Instance);

    public async ValueTask DisposeAsync()
    {
        var redis = await RealServices.RedisAsync();
        var server = redis.GetServer(redis.GetEndPoints()[0]);
        await foreach (var key in server.KeysAsync(pattern: prefix + "*"))
        {
            await redis.GetDatabase().KeyDeleteAsync(key);
        }
    }
}
