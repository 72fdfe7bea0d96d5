using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
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
using TurboDiffusion.Farm.Contracts;
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
    /// An Orleans silo with the farm's grains, named after Turbo:Worker:Name when set. Membership is Redis when
    /// Turbo:Redis:ConnectionString is set (job state then goes to Redis too; the silo listens on every interface and
    /// advertises Turbo:Cluster:AdvertisedAddress), else localhost (a single silo; job state in memory). Artifacts go
    /// to Azure Blob when Turbo:Blob:ConnectionString is set, else to Turbo:Artifacts:Directory.
    /// </summary>
    public static IHostApplicationBuilder AddTurboSilo(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var configuration = builder.Configuration;
        var cluster = TurboClusterOptions.Read(configuration);

        var redis = configuration[$"{RedisOptions.Section}:{nameof(RedisOptions.ConnectionString)}"];
        var blob = configuration[$"{BlobArtifactOptions.Section}:{nameof(BlobArtifactOptions.ConnectionString)}"];
        var workerName = configuration[$"{WorkerOptions.Section}:{nameof(WorkerOptions.Name)}"];
        builder.UseOrleans(silo =>
        {
            silo.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = cluster.ClusterId;
                o.ServiceId = cluster.ServiceId;
            });
            if (!string.IsNullOrWhiteSpace(workerName))
            {
                // Membership tables, logs and the dashboard then show the pod's name rather than a generated one.
                silo.Configure<SiloOptions>(o => o.SiloName = workerName);
            }

            if (string.IsNullOrWhiteSpace(redis))
            {
                silo.UseLocalhostClustering(cluster.SiloPort, cluster.GatewayPort);
            }
            else
            {
                silo.UseRedisClustering(o => o.ConfigurationOptions = ConfigurationOptions.Parse(redis));
                if (cluster.AdvertisedIp is { } advertised)
                {
                    silo.ConfigureEndpoints(advertised, cluster.SiloPort, cluster.GatewayPort, listenOnAnyHostAddress: true);
                }
                else
                {
                    silo.ConfigureEndpoints(cluster.SiloPort, cluster.GatewayPort, listenOnAnyHostAddress: true);
                }
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
        services.AddSingleton<GpuWorker>();
        services.AddHostedService(sp => sp.GetRequiredService<GpuWorker>());
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

    /// <summary>
    /// <c>POST /drain</c>: the worker stops leasing and its readiness fails, ahead of SIGTERM (a pod's preStop hook
    /// runs <c>turbo silo drain</c>); with <c>?wait=true</c> the answer comes once it holds no job. Only callers on
    /// this machine may drain it: the endpoint needs no key, so the network must not reach it.
    /// </summary>
    public static IEndpointRouteBuilder MapTurboDrain(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost("/drain", async (HttpContext http, bool? wait) =>
        {
            if (http.Connection.RemoteIpAddress is not { } caller || !IPAddress.IsLoopback(caller))
            {
                return Results.Problem(
                    statusCode: StatusCodes.Status403Forbidden,
                    title: "Drain is accepted from this machine only",
                    detail: $"POST /drain came from {http.Connection.RemoteIpAddress}; run `turbo silo drain` on the silo's own machine or container (a pod's preStop hook does).");
            }

            var worker = http.RequestServices.GetRequiredService<GpuWorker>();
            var drained = worker.DrainAsync(CancellationToken.None);
            if (wait == true)
            {
                await drained.WaitAsync(http.RequestAborted);
            }

            var status = http.RequestServices.GetRequiredService<WorkerStatus>();
            return Results.Json(new DrainAnswer(status.State.Label(), worker.Drained, status.CurrentJobId), statusCode: worker.Drained ? StatusCodes.Status200OK : StatusCodes.Status202Accepted);
        });
        return endpoints;
    }

    /// <summary>/metrics in Prometheus text format.</summary>
    public static IEndpointRouteBuilder MapTurboMetrics(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapMetrics();
        return endpoints;
    }
}
