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

    /// <summary>What a tenant's quota counts: <c>jobs</c> (the default) or <c>gpu-seconds</c> (each job's estimate, Turbo:Cost).</summary>
    public string QuotaUnit { get; set; } = QuotaUnits.Jobs;

    /// <summary>Queued jobs one tenant may have in a pool (its quota, when <see cref="QuotaUnit"/> is <c>jobs</c>): by default a studio's 100,000-prompt batch fits, and ten such tenants fill a pool.</summary>
    public int MaxQueuedPerTenant { get; set; } = DefaultMaxQueuedPerTenant;

    /// <summary>Estimated GPU-seconds of queued work one tenant may have in a pool (its quota, when <see cref="QuotaUnit"/> is <c>gpu-seconds</c>).</summary>
    public double MaxQueuedGpuSecondsPerTenant { get; set; } = DefaultMaxQueuedGpuSecondsPerTenant;

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

        return problems.Result();
    }
}
