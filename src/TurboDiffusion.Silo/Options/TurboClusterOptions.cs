using Microsoft.Extensions.Options;
using TurboDiffusion.Farm.Hosting;
using TurboDiffusion.Farm.Options;

namespace TurboDiffusion.Silo.Options;

/// <summary>The Orleans cluster a silo joins (section <c>Turbo:Cluster</c>); membership is Redis when Turbo:Redis:ConnectionString is set, else localhost.</summary>
public sealed class TurboClusterOptions
{
    public const string Section = "Turbo:Cluster";
    public const string DefaultClusterId = FarmNames.DefaultClusterId;
    public const string DefaultServiceId = FarmNames.DefaultClusterId;
    public const int DefaultSiloPort = 11111;
    public const int DefaultGatewayPort = 30000;

    /// <summary>Silos and clients with the same cluster id form one cluster (a deployment).</summary>
    public string ClusterId { get; set; } = DefaultClusterId;

    /// <summary>Stays the same across deployments of the farm (keys persisted state).</summary>
    public string ServiceId { get; set; } = DefaultServiceId;

    public int SiloPort { get; set; } = DefaultSiloPort;

    public int GatewayPort { get; set; } = DefaultGatewayPort;
}

public sealed class TurboClusterOptionsValidator : IValidateOptions<TurboClusterOptions>
{
    public ValidateOptionsResult Validate(string? name, TurboClusterOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new OptionsProblems(TurboClusterOptions.Section)
            .Require(!string.IsNullOrWhiteSpace(options.ClusterId), nameof(options.ClusterId), $"is empty; set it, e.g. \"{TurboClusterOptions.DefaultClusterId}\".")
            .Require(!string.IsNullOrWhiteSpace(options.ServiceId), nameof(options.ServiceId), $"is empty; set it, e.g. \"{TurboClusterOptions.DefaultServiceId}\".")
            .Range(nameof(options.SiloPort), options.SiloPort, 1, 65535)
            .Range(nameof(options.GatewayPort), options.GatewayPort, 1, 65535)
            .Require(options.SiloPort != options.GatewayPort, nameof(options.GatewayPort), "equals SiloPort; give the gateway its own port.")
            .Result();
    }
}
