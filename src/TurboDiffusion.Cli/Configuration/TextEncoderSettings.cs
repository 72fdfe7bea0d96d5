using Microsoft.Extensions.Configuration;
using TurboDiffusion.Engine.Planning;

namespace TurboDiffusion.Cli.Configuration;

/// <summary>Turbo:Engine:TextEncoderDevice: where the umT5 text encoder may live (auto, cuda, cpu).</summary>
public static class TextEncoderSettings
{
    public const string Key = "Turbo:Engine:TextEncoderDevice";

    private static readonly EnumSetting<TextEncoderDevice> Setting = new(Key);

    /// <summary>"auto, cuda, cpu".</summary>
    public static string Allowed => Setting.Allowed;

    /// <summary>The setting, or auto when unset.</summary>
    /// <exception cref="FormatException">It names no device; the message lists the allowed ones.</exception>
    public static TextEncoderDevice Resolve(IConfiguration configuration) => Setting.Resolve(configuration);
}
