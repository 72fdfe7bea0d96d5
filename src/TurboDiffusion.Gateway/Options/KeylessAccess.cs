using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using TurboDiffusion.Farm.Options;

namespace TurboDiffusion.Gateway.Options;

/// <summary>
/// Whether a gateway serves without API keys. Keys configured: only if Turbo:Gateway:Anonymous says so. No keys: on
/// loopback addresses it is open to this machine (the embedded farm); on any other address it would be open to the
/// network, so it refuses unless Turbo:Gateway:Anonymous is set explicitly.
/// </summary>
public static class KeylessAccess
{
    public const string AnonymousKey = GatewayOptions.Section + ":" + nameof(GatewayOptions.Anonymous);

    /// <exception cref="OptionsValidationException">No keys, a non-loopback address, and no explicit Turbo:Gateway:Anonymous.</exception>
    public static bool Allowed(IConfiguration configuration, TurboHttpOptions http)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(http);
        if (configuration[AnonymousKey] is { Length: > 0 } explicitValue)
        {
            return bool.TryParse(explicitValue, out var anonymous)
                ? anonymous
                : throw new OptionsValidationException(AnonymousKey, typeof(GatewayOptions), [$"{AnonymousKey} is '{explicitValue}'; it must be true or false."]);
        }

        var gateway = configuration.GetSection(GatewayOptions.Section);
        var hasKeys = !string.IsNullOrEmpty(gateway[nameof(GatewayOptions.AdminKey)]) || gateway.GetSection(nameof(GatewayOptions.ApiKeys)).GetChildren().Any();
        if (hasKeys || http.LoopbackOnly)
        {
            return !hasKeys;
        }

        throw new OptionsValidationException(AnonymousKey, typeof(GatewayOptions),
            [$"The gateway would serve {string.Join(", ", http.ServerUrls)}, beyond this machine, with no API keys: anyone who reaches it could submit, read and cancel every job. Set {GatewayOptions.Section}:AdminKey (environment Turbo__Gateway__AdminKey) or ApiKeys, or set {AnonymousKey}=true to serve without keys on purpose."]);
    }
}
