using Microsoft.Extensions.Options;

namespace TurboDiffusion.Farm.Options;

/// <summary>Bounds on what the farm accepts (section <c>Turbo:Admission</c>); past them submissions get a typed rejection with a retry time.</summary>
public sealed class AdmissionOptions
{
    public const string Section = "Turbo:Admission";
    public const int DefaultMaxQueuedPerPool = 1_000_000;
    public const int DefaultMaxQueuedPerTenant = 100_000;

    /// <summary>One GPU-week: about 33,000 14B 720P 81-frame 4-step jobs (18.3 GPU-seconds each) or 540,000 such 1.3B 480P ones (1.1 each), at the measured step costs.</summary>
    public const double DefaultMaxQueuedGpuSecondsPerTenant = 7 * 24 * 3600;

    public const int DefaultMaxBatchItems = 10_000;
    public static readonly TimeSpan DefaultRetryAfter = TimeSpan.FromSeconds(30);

    /// <summary>Queued jobs a pool holds at most.</summary>
    public int MaxQueuedPerPool { get; set; } = DefaultMaxQueuedPerPool;

    /// <summary>What a tenant's quota counts: <c>jobs</c> (the default) or <c>gpu-seconds</c> (each job's estimate, <see cref="StepCosts"/>).</summary>
    public string QuotaUnit { get; set; } = QuotaUnits.Jobs;

    /// <summary>Queued jobs one tenant may have in a pool (its quota, when <see cref="QuotaUnit"/> is <c>jobs</c>): by default a studio's 100,000-prompt batch fits, and ten such tenants fill a pool.</summary>
    public int MaxQueuedPerTenant { get; set; } = DefaultMaxQueuedPerTenant;

    /// <summary>Estimated GPU-seconds of queued work one tenant may have in a pool (its quota, when <see cref="QuotaUnit"/> is <c>gpu-seconds</c>).</summary>
    public double MaxQueuedGpuSecondsPerTenant { get; set; } = DefaultMaxQueuedGpuSecondsPerTenant;

    /// <summary>
    /// Seconds one sampler step takes per model id, at a reference token count (<see cref="StepCost"/>); a model not
    /// listed costs as <see cref="StepCost.Default"/>. Entries here replace or add to <see cref="StepCost.Measured"/>.
    /// </summary>
    public Dictionary<string, StepCost> StepCosts { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Items one batch may hold.</summary>
    public int MaxBatchItems { get; set; } = DefaultMaxBatchItems;

    /// <summary>What a rejection tells the client to wait before retrying.</summary>
    public TimeSpan RetryAfter { get; set; } = DefaultRetryAfter;

    /// <summary>Whether the quota counts estimated GPU-seconds instead of jobs.</summary>
    public bool CountsGpuSeconds => QuotaUnit == QuotaUnits.GpuSeconds;
}

/// <summary>The names <see cref="AdmissionOptions.QuotaUnit"/> takes, as configured and as the API reports them.</summary>
public static class QuotaUnits
{
    public const string Jobs = "jobs";
    public const string GpuSeconds = "gpu-seconds";
}

/// <summary>
/// What one sampler step of a model costs on a GPU: <see cref="SecondsPerStep"/> measured at
/// <see cref="ReferenceTokens"/> DiT tokens; a job's estimate scales it by its own tokens (linearly) and steps.
/// </summary>
public sealed class StepCost
{
    /// <summary>GPU-seconds of one DiT forward (one rCM step) at <see cref="ReferenceTokens"/>.</summary>
    public double SecondsPerStep { get; set; }

    /// <summary>The token count <see cref="SecondsPerStep"/> was measured at (832x480x81 is 32,760; 1280x720x81 is 75,600).</summary>
    public long ReferenceTokens { get; set; }

    /// <summary>
    /// The engine's measured forwards (docs/benchmarks.md, "DiT memory", H100 80GB, SageSLA top-k 0.1, fused glue,
    /// 2026-12-07): Wan2.1 1.3B at 832x480x81 280.4 ms, 14B at 1280x720x81 4,574.2 ms. The A14B runs one 14B expert per
    /// step, so it costs as the 14B.
    /// </summary>
    public static IReadOnlyDictionary<string, StepCost> Measured { get; } = new Dictionary<string, StepCost>(StringComparer.Ordinal)
    {
        ["random-1.3B"] = new() { SecondsPerStep = 0.2804, ReferenceTokens = 32_760 },
        ["random-14B"] = new() { SecondsPerStep = 4.5742, ReferenceTokens = 75_600 },
        ["random-A14B"] = new() { SecondsPerStep = 4.5742, ReferenceTokens = 75_600 },
    };

    /// <summary>A model with no entry costs as the 14B, the largest the farm serves, so an unknown model is not under-counted.</summary>
    public static StepCost Default { get; } = new() { SecondsPerStep = 4.5742, ReferenceTokens = 75_600 };
}

public sealed class AdmissionOptionsValidator : IValidateOptions<AdmissionOptions>
{
    public ValidateOptionsResult Validate(string? name, AdmissionOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = new OptionsProblems(AdmissionOptions.Section)
            .Range(nameof(options.MaxQueuedPerPool), options.MaxQueuedPerPool, 1, 10_000_000)
            .Require(options.QuotaUnit is QuotaUnits.Jobs or QuotaUnits.GpuSeconds, nameof(options.QuotaUnit),
                $"is '{options.QuotaUnit}'; set it to '{QuotaUnits.Jobs}' (count queued jobs) or '{QuotaUnits.GpuSeconds}' (count their estimated GPU time).")
            .Range(nameof(options.MaxQueuedPerTenant), options.MaxQueuedPerTenant, 1, options.MaxQueuedPerPool)
            .Range(nameof(options.MaxQueuedGpuSecondsPerTenant), options.MaxQueuedGpuSecondsPerTenant, 1, 1e9)
            .Range(nameof(options.MaxBatchItems), options.MaxBatchItems, 1, 100_000)
            .Range(nameof(options.RetryAfter), options.RetryAfter, TimeSpan.FromSeconds(1), TimeSpan.FromHours(1));
        foreach (var (model, cost) in options.StepCosts)
        {
            problems
                .Range($"{nameof(options.StepCosts)}:{model}:{nameof(StepCost.SecondsPerStep)}", cost.SecondsPerStep, 1e-6, 3600)
                .Range($"{nameof(options.StepCosts)}:{model}:{nameof(StepCost.ReferenceTokens)}", cost.ReferenceTokens, 1, 10_000_000);
        }

        return problems.Result();
    }
}
