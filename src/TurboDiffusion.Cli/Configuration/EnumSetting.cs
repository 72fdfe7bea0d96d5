using Microsoft.Extensions.Configuration;

namespace TurboDiffusion.Cli.Configuration;

/// <summary>
/// A setting whose value names one of <typeparamref name="T"/>'s members, in any case; the member that is
/// <c>default(T)</c> (auto) when unset.
/// </summary>
internal sealed class EnumSetting<T>(string key)
    where T : struct, Enum
{
    private readonly Dictionary<string, T> choices = Enum.GetValues<T>().ToDictionary(m => m.ToString().ToLowerInvariant(), StringComparer.OrdinalIgnoreCase);

    public string Key => key;

    /// <summary>The members as the setting spells them, e.g. "auto, on, off".</summary>
    public string Allowed => string.Join(", ", choices.Keys);

    /// <exception cref="FormatException">The value names no member; the message names the key and the allowed values.</exception>
    public T Resolve(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        if (configuration[key] is not { } value || string.IsNullOrWhiteSpace(value))
        {
            return default;
        }

        return choices.TryGetValue(value.Trim(), out var choice) ? choice : throw new FormatException($"{key} must be one of {Allowed}; got '{value}'.");
    }
}
