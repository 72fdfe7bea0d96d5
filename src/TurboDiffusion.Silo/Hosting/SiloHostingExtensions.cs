using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Runtime;
using Prometheus;
using StackExchange.Redis;
using TurboDiffusion.Engine;
using TurboDiffusion.Farm.Hosting;
using TurboDiffusion.Farm.Metrics;
using TurboDiffusion.Farm.Options;
using TurboDiffusion.Farm.Progress;
using TurboDiffusion.Farm.Stores;
using TurboDiffusion.Farm.Stores.Blob;
using TurboDiffusion.Farm.Stores.Redis;
using TurboDiffusion.Silo.Engine;
using TurboDiffusion.Silo.Health;
using TurboDiffusion.Silo.Options;
using TurboDiffusion.Silo.Worker;

namespace TurboDiffusion.Silo.Hosting;

/// <summary>
/// The silo host as a table of contents:
/// <code>
/// builder.AddTurboSilo();                                  // Orleans silo + farm grains + stores from configuration
/// builder.Services.AddGpuWorker(sp => new MyEngine(...));  // the GPU worker loop around the warm engine
/// app.MapTurboHealth(); app.MapTurboMetrics();             // /health/live, /health/ready, /metrics
/// </code>
/// </summary>
public static class SiloHostingExtensions
{
    public const string LiveTag = FarmNames.LiveTag;
    public const string ReadyTag = FarmNames.ReadyTag;

    /// <summary>
    /// An Orleans silo with the farm's grains. Membership is Redis when Turbo:Redis:ConnectionString is set (job state
    /// then goes to Redis too), else localhost (a single silo; job state in memory). Artifacts go to Azure Blob when
    /// Turbo:Blob:ConnectionString is set, else to Turbo:Artifacts:Directory.
    /// </summary>
    public static IHostApplicationBuilder AddTurboSilo(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var configuration = builder.Configuration;
        var cluster = TurboClusterOptions.Read(configuration);

        var redis = configuration[$"{RedisOptions.Section}:{nameof(RedisOptions.ConnectionString)}"];
        var blob = configuration[$"{BlobArtifactOptions.Section}:{nameof(BlobArtifactOptions.ConnectionString)}"];
        builder.UseOrleans(silo =>
        {
            silo.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = cluster.ClusterId;
                o.ServiceId = cluster.ServiceId;
            });
            if (string.IsNullOrWhiteSpace(redis))
            {
                silo.UseLocalhostClustering(cluster.SiloPort, cluster.GatewayPort);
            }
            else
            {
                silo.UseRedisClustering(o => o.ConfigurationOptions = ConfigurationOptions.Parse(redis));
                silo.ConfigureEndpoints(cluster.SiloPort, cluster.GatewayPort, listenOnAnyHostAddress: true);
            }

            silo.Services.AddTurboFarm();
            if (!string.IsNullOrWhiteSpace(redis))
            {
                silo.Services.AddRedisJobStore();
            }

            if (!string.IsNullOrWhiteSpace(blob))
            {
                silo.Services.AddBlobArtifacts();
            }
        });
        OrleansMeterFilter.ApplyToDefaultRegistry();
        return builder;
    }

    /// <summary>
    /// The GPU worker around <paramref name="engine"/>: options (Turbo:Worker), the engine thread, the pull loop with
    /// leases, heartbeats, progress and drain, and its health checks. Call after UseOrleans/AddTurboSilo so the worker
    /// stops (and drains) before the silo.
    /// </summary>
    public static IServiceCollection AddGpuWorker(this IServiceCollection services, Func<IServiceProvider, IVideoEngine> engine)
    {
        services.AddValidatedOptions<WorkerOptions, WorkerOptionsValidator>(WorkerOptions.Section);
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(sp => new EngineHost(() => engine(sp)));
        services.AddSingleton<WorkerStatus>();
        services.AddSingleton(sp => new WorkerContext(
            sp.GetRequiredService<IGrainFactory>(),
            sp.GetRequiredService<EngineHost>(),
            sp.GetRequiredService<IArtifactStore>(),
            sp.GetRequiredService<IProgressLog>(),
            sp.GetRequiredService<FarmMetrics>(),
            sp.GetRequiredService<WorkerStatus>(),
            sp.GetRequiredService<IOptions<WorkerOptions>>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILoggerFactory>()));
        services.AddHostedService<GpuWorker>();
        services.AddHealthChecks()
            .AddCheck<WorkerLivenessCheck>("gpu-worker-loop", tags: [LiveTag])
            .AddCheck<WorkerReadinessCheck>("gpu-worker", tags: [ReadyTag])
            .AddCheck<SiloMembershipCheck>("silo-membership", tags: [ReadyTag]);
        return services;
    }

    /// <summary>/health/live (the process and its worker loop) and /health/ready (joined the cluster, engine warm, not draining).</summary>
    public static IEndpointRouteBuilder MapTurboHealth(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = c => c.Tags.Contains(LiveTag), ResponseWriter = HealthReportWriter.WriteAsync });
        endpoints.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = c => c.Tags.Contains(ReadyTag), ResponseWriter = HealthReportWriter.WriteAsync });
        return endpoints;
    }

    /// <summary>/metrics in Prometheus text format.</summary>
    public static IEndpointRouteBuilder MapTurboMetrics(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapMetrics();
        return endpoints;
    }
}
