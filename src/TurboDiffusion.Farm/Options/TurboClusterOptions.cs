using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using TurboDiffusion.Farm.Hosting;

namespace TurboDiffusion.Farm.Options;

/// <summary>
/// The Orleans cluster a silo joins and a gateway connects to (section <c>Turbo:Cluster</c>); membership is Redis when
/// Turbo:Redis:ConnectionString is set, else localhost.
/// </summary>
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

    /// <summary>
    /// The IP address other silos and clients reach this silo at (a pod's IP, from the downward API); unset, the
    /// machine's first non-loopback address. Only used with Redis membership.
    /// </summary>
    public string? AdvertisedAddress { get; set; }

    /// <summary><see cref="AdvertisedAddress"/> parsed; null when unset.</summary>
    public IPAddress? AdvertisedIp => string.IsNullOrWhiteSpace(AdvertisedAddress) ? null : IPAddress.Parse(AdvertisedAddress);

    /// <summary>The section's settings, validated: both the silo and the gateway read the cluster through this.</summary>
    /// <exception cref="OptionsValidationException">A setting is wrong; the message names the key and the fix.</exception>
    public static TurboClusterOptions Read(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var cluster = configuration.GetSection(Section).Get<TurboClusterOptions>() ?? new TurboClusterOptions();
        var problems = new TurboClusterOptionsValidator().Validate(null, cluster);
        return problems.Failed ? throw new OptionsValidationException(Section, typeof(TurboClusterOptions), problems.Failures) : cluster;
    }

    /// <summary>The configuration key of one of its settings, e.g. <c>Turbo:Cluster:SiloPort</c>.</summary>
    public static string Key(string setting) => $"{Section}:{setting}";
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
            .Require(string.IsNullOrWhiteSpace(options.AdvertisedAddress) || IPAddress.TryParse(options.AdvertisedAddress, out _), nameof(options.AdvertisedAddress),
                $"'{options.AdvertisedAddress}' is not an IP address; give the address other silos reach this one at, e.g. a pod's IP (status.podIP), or leave it unset.")
            .Result();
    }
}
