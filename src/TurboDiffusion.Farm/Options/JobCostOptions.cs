using Microsoft.Extensions.Options;

namespace TurboDiffusion.Farm.Options;

/// <summary>
/// What one job is expected to cost a GPU (section <c>Turbo:Cost</c>), priced by <see cref="Scheduling.JobCostEstimate"/>.
/// Seconds are measured at the reference clip, 832x480x81 (32,760 DiT tokens); defaults are the H200 rows of
/// docs/benchmarks.md. Set the rows of your own models and cards.
/// </summary>
public sealed class JobCostOptions
{
    public const string Section = "Turbo:Cost";

    /// <summary>A model not in <see cref="StepSeconds"/> is priced as the 14B (3.64 s a step): too high scales a pool up early, too low lets work pile up.</summary>
    public const double DefaultUnlistedStepSeconds = 3.64;

    /// <summary>Text encode, VAE decode and MP4 of the warm 1.3B at 480p: 8.14 s end to end less 3.02 s of denoising.</summary>
    public const double DefaultOverheadSeconds = 5.0;

    /// <summary>Seconds of one sampler step at the reference clip, by model id (any case).</summary>
    public Dictionary<string, double> StepSeconds { get; set; } = new(StringComparer.OrdinalIgnoreCase)
    {
        ["random-1.3B"] = 0.72,
        ["random-14B"] = 3.64,
        ["random-A14B"] = 3.64,
    };

    /// <summary>Seconds of one step at the reference clip for a model not listed in <see cref="StepSeconds"/>.</summary>
    public double UnlistedStepSeconds { get; set; } = DefaultUnlistedStepSeconds;

    /// <summary>Seconds per job outside the sampler (text encode, VAE decode, MP4, upload) at the reference clip.</summary>
    public double OverheadSeconds { get; set; } = DefaultOverheadSeconds;
}

public sealed class JobCostOptionsValidator : IValidateOptions<JobCostOptions>
{
    public ValidateOptionsResult Validate(string? name, JobCostOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = new OptionsProblems(JobCostOptions.Section)
            .Range(nameof(options.UnlistedStepSeconds), options.UnlistedStepSeconds, 0.0001, 3600)
            .Range(nameof(options.OverheadSeconds), options.OverheadSeconds, 0, 3600);
        foreach (var (model, seconds) in options.StepSeconds)
        {
            problems.Range($"{nameof(options.StepSeconds)}:{model}", seconds, 0.0001, 3600);
        }

        return problems.Result();
    }
}
