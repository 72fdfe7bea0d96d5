using Azure;
using Azure.Storage.Blobs;
using StackExchange.Redis;

namespace TurboDiffusion.Farm.Tests.Support;

/// <summary>
/// Where the store tests find Redis and Azurite: Turbo__Test__Redis and Turbo__Test__Blob (set by .ci/run), else the
/// same loopback defaults. An unreachable service fails the test with how to start it; nothing is skipped.
/// </summary>
internal static class RealServices
{
    public const string DefaultRedis = "127.0.0.1:6379";

    public const string DefaultBlob =
        "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;";

    private static readonly Lazy<Task<ConnectionMultiplexer>> Redis = new(ConnectRedisAsync);

    public static string RedisEndpoint => Environment.GetEnvironmentVariable("Turbo__Test__Redis") is { Length: > 0 } v ? v : DefaultRedis;

    public static string BlobConnectionString => Environment.GetEnvironmentVariable("Turbo__Test__Blob") is { Length: > 0 } v ? v : DefaultBlob;

    public static Task<ConnectionMultiplexer> RedisAsync() => Redis.Value;

    /// <summary>Checks that Azurite answers with the configured account; fails naming how to start it.</summary>
    public static async Task EnsureBlobAsync()
    {
        try
        {
            await new BlobServiceClient(BlobConnectionString).GetPropertiesAsync(TestContext.Current.CancellationToken);
        }
        catch (Exception e) when (e is RequestFailedException or AggregateException or HttpRequestException)
        {
            throw new InvalidOperationException(
                $"Azurite is not reachable with Turbo__Test__Blob ({e.Message}). Start it: npm install --prefix /tmp/azurite azurite@3.37.0 && " +
                "/tmp/azurite/node_modules/.bin/azurite-blob --blobHost 127.0.0.1 --blobPort 10000 --location /tmp/azurite-data --skipApiVersionCheck --silent & (or run .ci/run).", e);
        }
    }

    private static async Task<ConnectionMultiplexer> ConnectRedisAsync()
    {
        var options = ConfigurationOptions.Parse(RedisEndpoint);
        options.ConnectTimeout = 3000;
        options.AbortOnConnectFail = true;
        try
        {
            return await ConnectionMultiplexer.ConnectAsync(options);
        }
        catch (RedisConnectionException e)
        {
            throw new InvalidOperationException(
                $"Redis is not reachable at {RedisEndpoint} (Turbo__Test__Redis). Start it: redis-server --bind 127.0.0.1 --port 6379 --save \"\" --appendonly no --daemonize yes (or run .ci/run).", e);
        }
    }
}
