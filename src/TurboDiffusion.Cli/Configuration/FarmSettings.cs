using Microsoft.Extensions.Configuration;
using TurboDiffusion.Cli.Commands;
using TurboDiffusion.Farm.Options;

namespace TurboDiffusion.Cli.Configuration;

/// <summary>The farm settings the embedded or distributed farm would use, with their sources (secrets redacted).</summary>
public static class FarmSettings
{
    public const string Redis = "Turbo:Redis:ConnectionString";
    public const string Blob = "Turbo:Blob:ConnectionString";
    public const string Artifacts = "Turbo:Artifacts:Directory";
    public static readonly string ClusterId = TurboClusterOptions.Key(nameof(TurboClusterOptions.ClusterId));
    public const string DefaultArtifacts = "artifacts";
    public const string DefaultClusterId = TurboDiffusion.Farm.Hosting.FarmNames.DefaultClusterId;

    public static void Examine(DoctorReport report, IConfigurationRoot configuration)
    {
        report.Info("job state", TurboConfiguration.Lookup(configuration, Redis) is var (redis, redisSource)
            ? $"Redis {TurboConfiguration.Redact(redis)} (from {redisSource})"
            : $"in memory: {Redis} is not set (embedded farm)");

        var directory = TurboConfiguration.Lookup(configuration, Artifacts) is var (dir, dirSource)
            ? $"{Path.GetFullPath(dir)} (from {dirSource})"
            : $"{Path.GetFullPath(DefaultArtifacts)} (default; {Artifacts} is not set)";
        report.Info("artifacts", TurboConfiguration.Lookup(configuration, Blob) is var (blob, blobSource)
            ? $"Azure Blob {TurboConfiguration.Redact(blob)} (from {blobSource})"
            : $"local directory {directory}");

        var clusterId = TurboConfiguration.Lookup(configuration, ClusterId) is var (id, idSource) ? $"{id} (from {idSource})" : $"{DefaultClusterId} (default)";
        report.Info("cluster", TurboConfiguration.Lookup(configuration, Redis) is not null
            ? $"Redis membership, cluster id {clusterId}"
            : $"single silo on localhost, cluster id {clusterId}");
    }
}
