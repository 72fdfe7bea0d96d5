using Microsoft.Extensions.Options;
using TurboDiffusion.Farm.Options;

namespace TurboDiffusion.Farm.Stores.Local;

/// <summary>A local directory for artifacts (section <c>Turbo:Artifacts</c>), used when no blob connection is configured.</summary>
public sealed class LocalArtifactOptions
{
    public const string Section = "Turbo:Artifacts";
    public const string DefaultDirectory = "artifacts";

    /// <summary>Root directory; relative paths are from the working directory. Layout: {tenant}/{jobId}/{leaseToken}/.</summary>
    public string Directory { get; set; } = DefaultDirectory;
}

public sealed class LocalArtifactOptionsValidator : IValidateOptions<LocalArtifactOptions>
{
    public ValidateOptionsResult Validate(string? name, LocalArtifactOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new OptionsProblems(LocalArtifactOptions.Section)
            .Require(!string.IsNullOrWhiteSpace(options.Directory), nameof(options.Directory), $"is empty; name a directory, e.g. \"{LocalArtifactOptions.DefaultDirectory}\".")
            .Result();
    }
}
