using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Orleans.Runtime;
using TurboDiffusion.Farm.Contracts;
using TurboDiffusion.Silo.Options;
using TurboDiffusion.Silo.Worker;

namespace TurboDiffusion.Silo.Health;

/// <summary>Readiness: the worker takes work (not starting, unready, draining or unhealthy); when not, the description says why.</summary>
internal sealed class WorkerReadinessCheck(WorkerStatus status) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(status.State switch
        {
            WorkerState.Idle or WorkerState.Busy => HealthCheckResult.Healthy($"worker {status.State.Label()}"),
            WorkerState.Unhealthy => HealthCheckResult.Unhealthy($"worker took itself out: {status.Reason}"),
            WorkerState.Unready => HealthCheckResult.Unhealthy($"worker is unready and leases nothing until its preflight passes: {status.Reason}"),
            WorkerState.Draining => HealthCheckResult.Unhealthy("worker is draining (stopping): it leases no new jobs"),
            _ => HealthCheckResult.Unhealthy($"worker is {status.State.Label()}: not ready for jobs yet"),
        });
}

/// <summary>
/// Liveness: the worker loop (or the heartbeat of a running job) advanced recently. Local only: it never calls the
/// GPU, Redis or grains, so a shared outage does not restart every pod at once.
/// </summary>
internal sealed class WorkerLivenessCheck(WorkerStatus status, IOptions<WorkerOptions> options, TimeProvider time) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var quiet = time.GetUtcNow() - status.LastTick;
        return Task.FromResult(quiet <= options.Value.LivenessTimeout
            ? HealthCheckResult.Healthy($"worker loop advanced {quiet.TotalSeconds:0.#} s ago")
            : HealthCheckResult.Unhealthy($"worker loop has not advanced for {quiet.TotalSeconds:0} s (Turbo:Worker:LivenessTimeout is {options.Value.LivenessTimeout})"));
    }
}

/// <summary>Readiness: this silo is an active member of the cluster.</summary>
internal sealed class SiloMembershipCheck(IClusterMembershipService membership, ILocalSiloDetails silo) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var state = membership.CurrentSnapshot.GetSiloStatus(silo.SiloAddress);
        return Task.FromResult(state == SiloStatus.Active
            ? HealthCheckResult.Healthy("silo is an active cluster member")
            : HealthCheckResult.Unhealthy($"silo membership status is {state}"));
    }
}
