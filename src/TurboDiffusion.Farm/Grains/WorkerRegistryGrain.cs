using System.Collections.Immutable;
using Microsoft.Extensions.Options;
using Orleans.Runtime;
using TurboDiffusion.Farm.Contracts;
using TurboDiffusion.Farm.Metrics;
using TurboDiffusion.Farm.Options;

namespace TurboDiffusion.Farm.Grains;

/// <summary>
/// The workers of one pool as last reported. Not persisted: workers report periodically, so a new activation
/// fills up within one report interval. A worker whose silo the membership service has declared dead is left out
/// at once (a killed worker must not show as busy); others drop out when their report is older than three lease
/// durations. At most <see cref="MaxWorkers"/> are kept, the stalest evicted first. Publishes the pool's workers per
/// state (turbo_pool_workers) on every report and every lease duration, so workers that stopped reporting leave it.
/// </summary>
internal sealed class WorkerRegistryGrain(IOptions<LeaseOptions> leaseOptions, IClusterMembershipService membership, TimeProvider time, FarmMetrics metrics)
    : Grain, IWorkerRegistryGrain
{
    public const int MaxWorkers = 4096;

    private readonly Dictionary<string, WorkerInfo> workers = [];

    private string Pool => this.GetPrimaryKeyString();

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var interval = leaseOptions.Value.Duration;
        this.RegisterGrainTimer(Publish, new GrainTimerCreationOptions(interval, interval) { Interleave = true });
        return Task.CompletedTask;
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        // Another activation (possibly on another silo) publishes this pool from now on.
        metrics.Workers(Pool, []);
        return Task.CompletedTask;
    }

    public Task Report(WorkerInfo info)
    {
        ArgumentNullException.ThrowIfNull(info);
        workers[info.WorkerId] = info;
        if (workers.Count > MaxWorkers)
        {
            workers.Remove(workers.Values.MinBy(w => w.ReportedAt)!.WorkerId);
        }

        metrics.Workers(Pool, Live());
        return Task.CompletedTask;
    }

    public Task<ImmutableArray<WorkerInfo>> List() => Task.FromResult(Live().OrderBy(w => w.WorkerId, StringComparer.Ordinal).ToImmutableArray());

    private Task Publish(CancellationToken cancellationToken)
    {
        metrics.Workers(Pool, Live());
        return Task.CompletedTask;
    }

    private IEnumerable<WorkerInfo> Live()
    {
        var dead = membership.CurrentSnapshot.Members.Values
            .Where(m => m.Status == SiloStatus.Dead)
            .Select(m => m.SiloAddress.ToParsableString())
            .ToHashSet(StringComparer.Ordinal);
        var cutoff = time.GetUtcNow() - (3 * leaseOptions.Value.Duration);
        return workers.Values.Where(w => w.ReportedAt >= cutoff && !dead.Contains(w.Silo));
    }
}
