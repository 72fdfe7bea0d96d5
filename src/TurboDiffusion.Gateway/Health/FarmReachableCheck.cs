using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using TurboDiffusion.Farm.Contracts;
using TurboDiffusion.Farm.Options;
using TurboDiffusion.Farm.Stores;

namespace TurboDiffusion.Gateway.Health;

/// <summary>Readiness of the gateway: the job store answers and the cluster answers a scheduler call, each within the timeout.</summary>
internal sealed class FarmReachableCheck(IGrainFactory grains, IJobStore store, IOptions<SchedulerOptions> scheduler) : IHealthCheck
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(3);

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Timeout);
        try
        {
            await store.GetAsync("readiness-probe", timeout.Token);
        }
        catch (Exception e) when (e is JobStoreException or OperationCanceledException)
        {
            return HealthCheckResult.Unhealthy($"the job store did not answer within {Timeout.TotalSeconds:0} s: {e.Message}", e);
        }

        try
        {
            await grains.GetGrain<ISchedulerGrain>(scheduler.Value.DefaultPool).GetSnapshot().WaitAsync(timeout.Token);
        }
        catch (Exception e) when (e is OrleansException or TimeoutException or OperationCanceledException)
        {
            return HealthCheckResult.Unhealthy($"the cluster did not answer a scheduler call within {Timeout.TotalSeconds:0} s: {e.Message}", e);
        }

        return HealthCheckResult.Healthy("job store and cluster answer");
    }
}
