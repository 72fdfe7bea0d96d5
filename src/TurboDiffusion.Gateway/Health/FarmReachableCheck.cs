using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using TurboDiffusion.Farm.Contracts;
using TurboDiffusion.Farm.Options;
using TurboDiffusion.Farm.Stores;

namespace TurboDiffusion.Gateway.Health;

/// <summary>
/// Readiness of the gateway: the job store answers and the cluster answers a scheduler call, both asked at once and
/// each bounded by <see cref="Timeout"/>, so a probe gets its answer within about a second even when Redis is down
/// (the Redis client's own timeout is several seconds and ignores cancellation).
/// </summary>
internal sealed class FarmReachableCheck(IGrainFactory grains, IJobStore store, IOptions<SchedulerOptions> scheduler) : IHealthCheck
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(1);

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var storeAnswer = Within(store.GetAsync("readiness-probe", cancellationToken), cancellationToken);
        var clusterAnswer = Within(grains.GetGrain<ISchedulerGrain>(scheduler.Value.DefaultPool).GetSnapshot(), cancellationToken);
        if (await storeAnswer is { } storeFailure)
        {
            return HealthCheckResult.Unhealthy($"the job store did not answer within {Timeout.TotalSeconds:0} s: {storeFailure.Message}", storeFailure);
        }

        if (await clusterAnswer is { } clusterFailure)
        {
            return HealthCheckResult.Unhealthy($"the cluster did not answer a scheduler call within {Timeout.TotalSeconds:0} s: {clusterFailure.Message}", clusterFailure);
        }

        return HealthCheckResult.Healthy("job store and cluster answer");
    }

    /// <summary>The failure of <paramref name="call"/>, a timeout when it takes longer than <see cref="Timeout"/>, or null when it answered.</summary>
    private static async Task<Exception?> Within(Task call, CancellationToken cancellationToken)
    {
        try
        {
            await call.WaitAsync(Timeout, cancellationToken);
            return null;
        }
        catch (Exception e) when (e is JobStoreException or OrleansException or TimeoutException or OperationCanceledException)
        {
            return e;
        }
    }
}
