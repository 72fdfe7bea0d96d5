using Microsoft.Extensions.Options;

namespace TurboDiffusion.Farm.Options;

/// <summary>Lease lifetimes and retry budgets (section <c>Turbo:Lease</c>).</summary>
public sealed class LeaseOptions
{
    public const string Section = "Turbo:Lease";
    public static readonly TimeSpan DefaultDuration = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan DefaultSweepInterval = TimeSpan.FromSeconds(1);
    public const int DefaultMaxEngineAttempts = 3;
    public const int DefaultMaxInfrastructureRequeues = 10;

    /// <summary>A lease not heartbeated for this long is taken back and its job requeued.</summary>
    public TimeSpan Duration { get; set; } = DefaultDuration;

    /// <summary>How often schedulers look for expired leases, dead silos and expired queue entries.</summary>
    public TimeSpan SweepInterval { get; set; } = DefaultSweepInterval;

    /// <summary>Attempts ending in an engine error before the job fails.</summary>
    public int MaxEngineAttempts { get; set; } = DefaultMaxEngineAttempts;

    /// <summary>Requeues after infrastructure failures (silo lost, drain, OOM, storage) before the job fails; these do not consume engine attempts.</summary>
    public int MaxInfrastructureRequeues { get; set; } = DefaultMaxInfrastructureRequeues;
}

public sealed class LeaseOptionsValidator : IValidateOptions<LeaseOptions>
{
    public ValidateOptionsResult Validate(string? name, LeaseOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new OptionsProblems(LeaseOptions.Section)
            .Range(nameof(options.Duration), options.Duration, TimeSpan.FromMilliseconds(200), TimeSpan.FromHours(1))
            .Range(nameof(options.SweepInterval), options.SweepInterval, TimeSpan.FromMilliseconds(10), options.Duration)
            .Range(nameof(options.MaxEngineAttempts), options.MaxEngineAttempts, 1, 100)
            .Range(nameof(options.MaxInfrastructureRequeues), options.MaxInfrastructureRequeues, 0, 1000)
            .Result();
    }
}
