using Microsoft.Extensions.Configuration;
using TurboDiffusion.Engine.Planning;

namespace TurboDiffusion.Cli.Configuration;

/// <summary>Turbo:Engine:TextEncoderDevice: where the umT5 text encoder may live (auto, cuda, cpu).</summary>
public static class TextEncoderSettings
{
    public const string Key = "Turbo:Engine:TextEncoderDevice";

    private static readonly Dictionary<string, TextEncoderDevice> Devices =
        Enum.GetValues<TextEncoderDevice>().ToDictionary(d => d.ToString().ToLowerInvariant(), StringComparer.OrdinalIgnoreCase);

    /// <summary>"auto, cuda, cpu".</summary>
    public static string Allowed { get; } = string.Join(", ", Devices.Keys);

    /// <summary>The setting, or auto when unset.</summary>
    /// <exception cref="FormatException">It names no device; the message lists the allowed ones.</exception>
    public static TextEncoderDevice Resolve(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        if (configuration[Key] is not { } value || string.IsNullOrWhiteSpace(value))
        {
            return TextEncoderDevice.Auto;
        }

        return Devices.TryGetValue(value.Trim(), out var device) ? device : throw new FormatException($"{Key} must be one of {Allowed}; got '{value}'.");
    }
}
