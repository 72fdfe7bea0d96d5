using Azure.Storage.Blobs;
using Microsoft.Extensions.Options;
using TurboDiffusion.Farm.Options;

namespace TurboDiffusion.Farm.Stores.Blob;

/// <summary>How artifacts are laid out across containers.</summary>
public enum BlobLayout
{
    /// <summary>One container per tenant ({ContainerPrefix}{tenant}), blobs named {jobId}/{leaseToken}/...: per-tenant access policies and lifecycle rules.</summary>
    ContainerPerTenant,

    /// <summary>One container ({Container}), blobs named {tenant}/{jobId}/{leaseToken}/...: simplest to operate.</summary>
    SharedContainer,
}

/// <summary>Azure Blob storage for artifacts (section <c>Turbo:Blob</c>).</summary>
public sealed class BlobArtifactOptions
{
    public const string Section = "Turbo:Blob";
    public const string DefaultContainer = "turbo-artifacts";
    public const string DefaultContainerPrefix = "turbo-";

    /// <summary>An Azure Storage connection string (Azurite in development). Never logged.</summary>
    public string? ConnectionString { get; set; }

    public BlobLayout Layout { get; set; } = BlobLayout.ContainerPerTenant;

    /// <summary>The container of <see cref="BlobLayout.SharedContainer"/>.</summary>
    public string Container { get; set; } = DefaultContainer;

    /// <summary>Prefix of per-tenant container names in <see cref="BlobLayout.ContainerPerTenant"/>.</summary>
    public string ContainerPrefix { get; set; } = DefaultContainerPrefix;

    /// <summary>
    /// Pins the REST API version (a <see cref="BlobClientOptions.ServiceVersion"/> name such as "V2026_06_06") for
    /// emulators that reject the client's newest; unset uses the client's default.
    /// </summary>
    public string? ServiceVersion { get; set; }
}

public sealed class BlobArtifactOptionsValidator : IValidateOptions<BlobArtifactOptions>
{
    public ValidateOptionsResult Validate(string? name, BlobArtifactOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new OptionsProblems(BlobArtifactOptions.Section)
            .Require(!string.IsNullOrWhiteSpace(options.ConnectionString), nameof(options.ConnectionString), "is not set; give an Azure Storage connection string (environment Turbo__Blob__ConnectionString), or leave blob storage out to store artifacts in Turbo:Artifacts:Directory.")
            .Require(Enum.IsDefined(options.Layout), nameof(options.Layout), "must be ContainerPerTenant or SharedContainer.")
            .Require(BlobNaming.IsContainerName(options.Container), nameof(options.Container), $"'{options.Container}' is not a container name: use 3 to 63 characters of a-z, 0-9 and single '-', starting and ending with a letter or digit.")
            .Require(BlobNaming.IsContainerName(options.ContainerPrefix + "tenant"), nameof(options.ContainerPrefix), $"'{options.ContainerPrefix}' cannot start a container name: use a-z, 0-9 and single '-', starting with a letter or digit, at most 40 characters.")
            .Require(options.ContainerPrefix.Length <= 40, nameof(options.ContainerPrefix), "is longer than 40 characters; shorten it so tenant names fit in 63.")
            .Require(options.ServiceVersion is null || Enum.TryParse<BlobClientOptions.ServiceVersion>(options.ServiceVersion, out _), nameof(options.ServiceVersion), $"'{options.ServiceVersion}' is not a service version; use a name such as V2026_06_06, or leave it unset.")
            .Result();
    }
}
