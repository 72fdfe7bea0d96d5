using Microsoft.Extensions.Options;
using TurboDiffusion.Farm.Contracts;
using TurboDiffusion.Farm.Options;
using TurboDiffusion.Gateway.Apis;
using TurboDiffusion.Gateway.Options;

namespace TurboDiffusion.Gateway.Mapping;

/// <summary>
/// Which models the farm serves, checked before a job is admitted: a job for a model no pool serves would only fail
/// its attempts on a worker. Served are the models named in Turbo:Scheduler:ModelPools, the gateway's default model,
/// Turbo:Gateway:AdmitModels, the built-in tiny model, the built-in random models where a pool enables them
/// (Turbo:Scheduler:RandomModelPools), and every model a worker reports loaded (Turbo:Worker:Preload).
/// </summary>
public sealed class ModelAdmission(IGrainFactory grains, IOptionsMonitor<SchedulerOptions> scheduler, IOptionsMonitor<GatewayOptions> gateway)
{
    /// <summary>What the farm serves now; one snapshot checks a whole batch upload.</summary>
    public ServedModels Snapshot()
    {
        var pools = scheduler.CurrentValue;
        var configured = new HashSet<string>(StringComparer.Ordinal) { BuiltInModels.Tiny, gateway.CurrentValue.DefaultModel };
        configured.UnionWith(pools.ModelPools.Keys);
        configured.UnionWith(gateway.CurrentValue.AdmitModels);
        configured.UnionWith(BuiltInModels.Random.Where(pools.ServesRandomModel));
        return new ServedModels(configured, pools, async () =>
        {
            var lists = await Task.WhenAll(WorkersApi.Pools(pools).Select(p => grains.GetGrain<IWorkerRegistryGrain>(p).List()));
            return lists.SelectMany(l => l).SelectMany(w => w.LoadedModels.IsDefault ? [] : w.LoadedModels);
        });
    }
}

/// <summary>The models the farm serves at one moment; the workers' loaded models are asked for once, on the first model the settings do not name.</summary>
public sealed class ServedModels(HashSet<string> models, SchedulerOptions pools, Func<Task<IEnumerable<string>>> loadedByWorkers)
{
    private bool workersAsked;

    /// <summary>"model: 'x' is not served by this farm; use one of ..." or null when it is served.</summary>
    public async Task<string?> ProblemAsync(string model)
    {
        if (Serves(model))
        {
            return null;
        }

        if (!workersAsked)
        {
            models.UnionWith(await loadedByWorkers());
            workersAsked = true;
            if (Serves(model))
            {
                return null;
            }
        }

        return $"model: '{model}' is not served by this farm; use one of {string.Join(", ", models.Order(StringComparer.Ordinal))}. What the pools serve is set by Turbo:Scheduler:ModelPools, Turbo:Scheduler:RandomModelPools, Turbo:Gateway:AdmitModels and the workers' Turbo:Worker:Preload.";
    }

    private bool Serves(string model) => models.Contains(model) || pools.ServesRandomModel(model);
}
