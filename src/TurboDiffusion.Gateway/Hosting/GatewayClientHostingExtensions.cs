using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using StackExchange.Redis;
using TurboDiffusion.Farm.Hosting;
using TurboDiffusion.Farm.Options;
using TurboDiffusion.Farm.Stores.Blob;
using TurboDiffusion.Farm.Stores.Redis;

namespace TurboDiffusion.Gateway.Hosting;

/// <summary>
/// A gateway tier apart from the silos: an Orleans client of the cluster (found through Redis membership, the same
/// Turbo:Redis, Turbo:Cluster:ClusterId and ServiceId as the silos) reading the same stores as the silos.
/// <code>
/// builder.AddTurboGatewayClient();      // Orleans client + Redis job state, progress and webhook outbox + artifacts
/// builder.Services.AddTurboGateway();
/// app.MapTurboGateway();
/// </code>
/// </summary>
public static class GatewayClientHostingExtensions
{
    public static IHostApplicationBuilder AddTurboGatewayClient(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var configuration = builder.Configuration;
        var redis = configuration[$"{RedisOptions.Section}:{nameof(RedisOptions.ConnectionString)}"];
        if (string.IsNullOrWhiteSpace(redis))
        {
            throw new OptionsValidationException(RedisOptions.Section, typeof(RedisOptions),
                [$"{RedisOptions.Section}:{nameof(RedisOptions.ConnectionString)} is not set; a gateway apart from the silos finds the cluster and the job state through Redis. Set it, or host the gateway in a silo (AddTurboSilo)."]);
        }

        var cluster = TurboClusterOptions.Read(configuration);
        builder.UseOrleansClient(client =>
        {
            client.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = cluster.ClusterId;
                o.ServiceId = cluster.ServiceId;
            });
            client.UseRedisClustering(o => o.ConfigurationOptions = ConfigurationOptions.Parse(redis));
        });
        builder.Services.AddTurboFarm();
        builder.Services.AddRedisJobStore();
        if (!string.IsNullOrWhiteSpace(configuration[$"{BlobArtifactOptions.Section}:{nameof(BlobArtifactOptions.ConnectionString)}"]))
        {
            builder.Services.AddBlobArtifacts();
        }

        return builder;
    }
}
