using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Prometheus;
using StackExchange.Redis;
using TurboDiffusion.Farm.Metrics;
using TurboDiffusion.Farm.Options;
using TurboDiffusion.Farm.Progress;
using TurboDiffusion.Farm.Scheduling;
using TurboDiffusion.Farm.Stores;
using TurboDiffusion.Farm.Stores.Blob;
using TurboDiffusion.Farm.Stores.InMemory;
using TurboDiffusion.Farm.Stores.Local;
using TurboDiffusion.Farm.Stores.Redis;
using TurboDiffusion.Farm.Webhooks;

namespace TurboDiffusion.Farm.Hosting;

/// <summary>
/// Composable registration of the farm on a silo host. <see cref="AddTurboFarm"/> brings the grains' services with
/// embedded defaults (job state in memory, artifacts in a local directory); the store methods replace those defaults
/// whichever order they are called in.
/// </summary>
public static class FarmHostingExtensions
{
    /// <summary>Options (Turbo:Scheduler, Turbo:Lease, Turbo:Admission, Turbo:Cost, validated at start; Turbo:Dedupe), metrics, the clock, and default stores.</summary>
    public static IServiceCollection AddTurboFarm(this IServiceCollection services)
    {
        services.AddValidatedOptions<SchedulerOptions, SchedulerOptionsValidator>(SchedulerOptions.Section);
        services.AddValidatedOptions<LeaseOptions, LeaseOptionsValidator>(LeaseOptions.Section);
        services.AddValidatedOptions<AdmissionOptions, AdmissionOptionsValidator>(AdmissionOptions.Section);
        services.AddValidatedOptions<JobCostOptions, JobCostOptionsValidator>(JobCostOptions.Section);
        services.AddOptions<DedupeOptions>().BindConfiguration(DedupeOptions.Section).ValidateOnStart();
        services.TryAddSingleton(sp => new JobCostEstimate(sp.GetRequiredService<IOptions<JobCostOptions>>().Value));
        services.TryAddSingleton<JobCost>();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(Prometheus.Metrics.DefaultRegistry);
        services.TryAddSingleton(sp => new FarmMetrics(sp.GetRequiredService<CollectorRegistry>()));
        services.TryAddSingleton<IJobStore>(sp => new InMemoryJobStore(sp.GetRequiredService<TimeProvider>(), InMemoryJobStore.DefaultRetention));
        services.TryAddSingleton<IProgressLog, InMemoryProgressLog>();
        services.TryAddSingleton<IWebhookOutbox, InMemoryWebhookOutbox>();
        if (!services.Any(s => s.ServiceType == typeof(IArtifactStore)))
        {
            services.AddLocalArtifacts();
        }

        return services;
    }

    /// <summary>Job state in this process's memory (the embedded farm). Pass <paramref name="shared"/> to let several in-process silos share one.</summary>
    public static IServiceCollection AddInMemoryJobStore(this IServiceCollection services, InMemoryJobStore? shared = null)
    {
        services.RemoveAll<IJobStore>();
        if (shared is null)
        {
            services.AddSingleton<IJobStore>(sp => new InMemoryJobStore(sp.GetRequiredService<TimeProvider>(), InMemoryJobStore.DefaultRetention));
        }
        else
        {
            services.AddSingleton<IJobStore>(shared);
        }

        return services;
    }

    /// <summary>Job state, progress streams and webhook deliveries in Redis (Turbo:Redis); reuses a registered <see cref="IConnectionMultiplexer"/> if there is one.</summary>
    public static IServiceCollection AddRedisJobStore(this IServiceCollection services)
    {
        services.AddValidatedOptions<RedisOptions, RedisOptionsValidator>(RedisOptions.Section);
        services.TryAddSingleton<IConnectionMultiplexer>(sp =>
        {
            var configuration = ConfigurationOptions.Parse(sp.GetRequiredService<IOptions<RedisOptions>>().Value.ConnectionString!);
            // Keep retrying in the background rather than failing the host when Redis is briefly away at start.
            configuration.AbortOnConnectFail = false;
            return ConnectionMultiplexer.Connect(configuration);
        });
        services.RemoveAll<IJobStore>();
        services.AddSingleton<IJobStore, RedisJobStore>();
        services.RemoveAll<IProgressLog>();
        services.AddSingleton<IProgressLog, RedisProgressLog>();
        services.RemoveAll<IWebhookOutbox>();
        services.AddSingleton<IWebhookOutbox, RedisWebhookOutbox>();
        services.TryAddSingleton<RedisIndexSweep>();
        services.AddHostedService<RedisIndexSweeper>();
        return services;
    }

    /// <summary>Artifacts in Azure Blob storage (Turbo:Blob).</summary>
    public static IServiceCollection AddBlobArtifacts(this IServiceCollection services)
    {
        services.AddValidatedOptions<BlobArtifactOptions, BlobArtifactOptionsValidator>(BlobArtifactOptions.Section);
        services.RemoveAll<IArtifactStore>();
        services.AddSingleton<IArtifactStore, BlobArtifactStore>();
        return services;
    }

    /// <summary>Artifacts in a local directory (Turbo:Artifacts:Directory).</summary>
    public static IServiceCollection AddLocalArtifacts(this IServiceCollection services)
    {
        services.AddValidatedOptions<LocalArtifactOptions, LocalArtifactOptionsValidator>(LocalArtifactOptions.Section);
        services.RemoveAll<IArtifactStore>();
        services.AddSingleton<IArtifactStore, LocalArtifactStore>();
        return services;
    }

    /// <summary>Binds <typeparamref name="TOptions"/> to <paramref name="section"/> and validates it when the host starts.</summary>
    public static OptionsBuilder<TOptions> AddValidatedOptions<TOptions, TValidator>(this IServiceCollection services, string section)
        where TOptions : class
        where TValidator : class, IValidateOptions<TOptions>
    {
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TOptions>, TValidator>());
        return services.AddOptions<TOptions>().BindConfiguration(section).ValidateOnStart();
    }
}
