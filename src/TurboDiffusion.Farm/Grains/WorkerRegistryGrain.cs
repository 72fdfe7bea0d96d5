using System.Collections.Immutable;
using Microsoft.Extensions.Options;
using Orleans.Runtime;
using TurboDiffusion.Farm.Contracts;
using TurboDiffusion.Farm.Options;

namespace TurboDiffusion.Farm.Grains;

/// <summary>
/// The workers of one pool as last reported. Not persisted: workers report periodically, so a new activation
/// fills up within one report interval. A worker whose silo the membership service has declared dead is left out
/// at once (a killed worker must not show as busy); others drop out when their report is older than three lease
/// durations. At most <see cref="MaxWorkers"/> are kept, the stalest evicted first.
/// </summary>
internal sealed class WorkerRegistryGrain(IOptions<LeaseOptions> leaseOptions, IClusterMembershipService membership, TimeProvider time) : Grain, IWorkerRegistryGrain
{
    public const int MaxWorkers = 4096;

    private readonly Dictionary<string, WorkerInfo> workers = [];

    public Task Report(WorkerInfo info)
    {
        ArgumentNullException.ThrowIfNull(info);
        workers[info.WorkerId] = info;
        if (workers.Count > MaxWorkers)
        {
            workers.Remove(workers.Values.MinBy(w => w.ReportedAt)!.WorkerId);
        }

        return Task.CompletedTask;
    }

    public Task<ImmutableArray<WorkerInfo>> List()
    {
        var dead = membership.CurrentSnapshot.Members.Values
            .Where(m => m.Status == SiloStatus.Dead)
            .Select(m => m.SiloAddress.ToParsableString())
            .ToHashSet(StringComparer.Ordinal);
        var cutoff = time.GetUtcNow() - (3 * leaseOptions.Value.Duration);
        return Task.FromResult(workers.Values.Where(w => w.ReportedAt >= cutoff && !dead.Contains(w.Silo)).OrderBy(w => w.WorkerId, StringComparer.Ordinal).ToImmutableArray());
    }
}
