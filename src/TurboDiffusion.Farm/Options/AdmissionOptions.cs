using Microsoft.Extensions.Options;

namespace TurboDiffusion.Farm.Options;

/// <summary>Bounds on what the farm accepts (section <c>Turbo:Admission</c>); past them submissions get a typed rejection with a retry time.</summary>
public sealed class AdmissionOptions
{
    public const string Section = "Turbo:Admission";
    public const int DefaultMaxQueuedPerPool = 1_000_000;
    public const int DefaultMaxQueuedPerTenant = 100_000;
    public const int DefaultMaxBatchItems = 10_000;
    public static readonly TimeSpan DefaultRetryAfter = TimeSpan.FromSeconds(30);

    /// <summary>Queued jobs a pool holds at most.</summary>
    public int MaxQueuedPerPool { get; set; } = DefaultMaxQueuedPerPool;

    /// <summary>Queued jobs one tenant may have in a pool (its quota): by default a studio's 100,000-prompt batch fits, and ten such tenants fill a pool.</summary>
    public int MaxQueuedPerTenant { get; set; } = DefaultMaxQueuedPerTenant;

    /// <summary>Items one batch may hold.</summary>
    public int MaxBatchItems { get; set; } = DefaultMaxBatchItems;

    /// <summary>What a rejection tells the client to wait before retrying.</summary>
    public TimeSpan RetryAfter { get; set; } = DefaultRetryAfter;
}

public sealed class AdmissionOptionsValidator : IValidateOptions<AdmissionOptions>
{
    public ValidateOptionsResult Validate(string? name, AdmissionOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new OptionsProblems(AdmissionOptions.Section)
            .Range(nameof(options.MaxQueuedPerPool), options.MaxQueuedPerPool, 1, 10_000_000)
            .Range(nameof(options.MaxQueuedPerTenant), options.MaxQueuedPerTenant, 1, options.MaxQueuedPerPool)
            .Range(nameof(options.MaxBatchItems), options.MaxBatchItems, 1, 100_000)
            .Range(nameof(options.RetryAfter), options.RetryAfter, TimeSpan.FromSeconds(1), TimeSpan.FromHours(1))
            .Result();
    }
}
