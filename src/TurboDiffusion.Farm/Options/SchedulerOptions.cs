using Microsoft.Extensions.Options;

namespace TurboDiffusion.Farm.Options;

/// <summary>How scheduler grains order work (section <c>Turbo:Scheduler</c>).</summary>
public sealed class SchedulerOptions
{
    public const string Section = "Turbo:Scheduler";
    public const string DefaultPoolName = "default";
    public static readonly TimeSpan DefaultAgeingInterval = TimeSpan.FromMinutes(5);
    public const double DefaultWarmModelBonus = 1.0;
    public static readonly TimeSpan DefaultQueueTimeToLive = TimeSpan.FromHours(24);

    /// <summary>The pool of models not named in <see cref="ModelPools"/>.</summary>
    public string DefaultPool { get; set; } = DefaultPoolName;

    /// <summary>Model id → pool (a pool is one scheduler grain and the workers that pull from it).</summary>
    public Dictionary<string, string> ModelPools { get; set; } = [];

    /// <summary>
    /// Pools that serve the built-in random models (random-1.3B, random-14B, random-A14B); a job naming one is refused
    /// at admission unless the pool it maps to (<see cref="PoolFor"/>) is listed here.
    /// </summary>
    public List<string> RandomModelPools { get; set; } = [];

    /// <summary>Each interval a job waits raises its effective priority by one level, so nothing starves.</summary>
    public TimeSpan AgeingInterval { get; set; } = DefaultAgeingInterval;

    /// <summary>Priority levels credited to a job whose model is already loaded on the asking worker.</summary>
    public double WarmModelBonus { get; set; } = DefaultWarmModelBonus;

    /// <summary>Tenant → fair-share weight (default 1): a tenant of weight 2 gets twice the leases of a busy tenant of weight 1.</summary>
    public Dictionary<string, double> TenantWeights { get; set; } = [];

    /// <summary>Model id → device bytes it needs to load; a worker with less free memory is not offered that model cold.</summary>
    public Dictionary<string, long> ModelMemoryBytes { get; set; } = [];

    /// <summary>A job queued longer than this ends Expired.</summary>
    public TimeSpan QueueTimeToLive { get; set; } = DefaultQueueTimeToLive;

    public string PoolFor(string model) => ModelPools.TryGetValue(model, out var pool) ? pool : DefaultPool;

    /// <summary>True when <paramref name="model"/> is a built-in random model and its pool is in <see cref="RandomModelPools"/>.</summary>
    public bool ServesRandomModel(string model) =>
        Contracts.BuiltInModels.RandomModel(model) is { } random && RandomModelPools.Contains(PoolFor(random), StringComparer.Ordinal);

    public double WeightOf(string tenant) => TenantWeights.TryGetValue(tenant, out var weight) ? weight : 1.0;
}

public sealed class SchedulerOptionsValidator : IValidateOptions<SchedulerOptions>
{
    public ValidateOptionsResult Validate(string? name, SchedulerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new OptionsProblems(SchedulerOptions.Section)
            .Require(!string.IsNullOrWhiteSpace(options.DefaultPool), nameof(options.DefaultPool), $"is empty; name a pool, e.g. \"{SchedulerOptions.DefaultPoolName}\".")
            .Require(options.ModelPools.Values.All(p => !string.IsNullOrWhiteSpace(p)), nameof(options.ModelPools), "maps a model to an empty pool name; give every model a pool name.")
            .Require(options.RandomModelPools.All(p => !string.IsNullOrWhiteSpace(p)), nameof(options.RandomModelPools), "has an empty pool name; list the pools whose workers may load the built-in random models, e.g. [\"default\"].")
            .Range(nameof(options.AgeingInterval), options.AgeingInterval, TimeSpan.FromSeconds(1), TimeSpan.FromDays(7))
            .Range(nameof(options.WarmModelBonus), options.WarmModelBonus, 0, 10)
            .Require(options.TenantWeights.Values.All(w => w is > 0 and <= 1000), nameof(options.TenantWeights), "has a weight outside (0, 1000]; use positive weights such as 1 or 2.")
            .Require(options.ModelMemoryBytes.Values.All(b => b >= 0), nameof(options.ModelMemoryBytes), "has a negative size; give sizes in bytes.")
            .Range(nameof(options.QueueTimeToLive), options.QueueTimeToLive, TimeSpan.FromSeconds(1), TimeSpan.FromDays(30))
            .Result();
    }
}
