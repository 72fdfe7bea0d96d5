using System.Collections.Immutable;
using Orleans.Concurrency;

namespace TurboDiffusion.Farm.Contracts;

/// <summary>The GPU workers of a pool as they last reported, keyed by pool; entries not refreshed in time drop out.</summary>
public interface IWorkerRegistryGrain : IGrainWithStringKey
{
    Task Report(WorkerInfo info);

    [ReadOnly]
    Task<ImmutableArray<WorkerInfo>> List();
}
