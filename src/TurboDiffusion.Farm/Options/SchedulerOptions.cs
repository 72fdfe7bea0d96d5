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
    public const SwitchRule DefaultSwitchRule = SwitchRule.Priced;
    public static readonly TimeSpan DefaultModelLoadTime = TimeSpan.FromSeconds(30);
    public const double DefaultSwitchCostWeight = 2.0;
    public const double DefaultWarmShareSlack = 1.0;

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

    /// <summary>Priority levels credited to a job whose model is already loaded on the asking worker (<see cref="SwitchRule.Affinity"/> only).</summary>
    public double WarmModelBonus { get; set; } = DefaultWarmModelBonus;

    /// <summary>How a worker's loaded model weighs against other models' jobs (docs/operations.md, Scheduling).</summary>
    public SwitchRule SwitchRule { get; set; } = DefaultSwitchRule;

    /// <summary>What a model load is taken to cost a worker until the scheduler has measured one of that model (<see cref="SwitchRule.Priced"/>).</summary>
    public TimeSpan ModelLoadTime { get; set; } = DefaultModelLoadTime;

    /// <summary>
    /// How many of its loads a switch must be worth: a cold job goes before a warm one once it has waited this many times
    /// the measured load longer, priority and ageing counted (<see cref="SwitchRule.Priced"/>).
    /// </summary>
    public double SwitchCostWeight { get; set; } = DefaultSwitchCostWeight;

    /// <summary>
    /// Leases (each 1/weight of usage) a tenant may be ahead of the least-used tenant and still take a lease to keep the
    /// asking worker's model warm, when the least-used tenant has no job of that model (<see cref="SwitchRule.Priced"/>).
    /// </summary>
    public double WarmShareSlack { get; set; } = DefaultWarmShareSlack;

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

/// <summary>How the scheduler weighs the model a worker has loaded against jobs of other models.</summary>
public enum SwitchRule
{
    /// <summary>A warm job's priority gains <see cref="SchedulerOptions.WarmModelBonus"/> levels, whatever a switch costs.</summary>
    Affinity,

    /// <summary>A cold job goes first once its extra wait pays for the measured load of its model on the asking worker.</summary>
    Priced,
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
            .Require(Enum.IsDefined(options.SwitchRule), nameof(options.SwitchRule), $"is '{options.SwitchRule}'; set it to 'Priced' (weigh measured load times) or 'Affinity' (a fixed warm-model bonus).")
            .Range(nameof(options.ModelLoadTime), options.ModelLoadTime, TimeSpan.Zero, TimeSpan.FromHours(1))
            .Range(nameof(options.SwitchCostWeight), options.SwitchCostWeight, 0, 100)
            .Range(nameof(options.WarmShareSlack), options.WarmShareSlack, 0, 1000)
            .Range(nameof(options.QueueTimeToLive), options.QueueTimeToLive, TimeSpan.FromSeconds(1), TimeSpan.FromDays(30))
            .Result();
    }
}
