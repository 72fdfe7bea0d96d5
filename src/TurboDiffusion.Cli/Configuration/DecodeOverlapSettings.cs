using Microsoft.Extensions.Configuration;
using TurboDiffusion.Engine.Pipelines;

namespace TurboDiffusion.Cli.Configuration;

/// <summary>
/// Turbo:Engine:OverlapDecode: whether the engine decodes and encodes a render beside the next render's denoising
/// (auto: on with CUDA, off on the CPU; on; off).
/// </summary>
public static class DecodeOverlapSettings
{
    public const string Key = "Turbo:Engine:OverlapDecode";

    private static readonly EnumSetting<DecodeOverlap> Setting = new(Key);

    /// <summary>"auto, on, off".</summary>
    public static string Allowed => Setting.Allowed;

    /// <summary>The setting, or auto when unset.</summary>
    /// <exception cref="FormatException">It names no choice; the message lists the allowed ones.</exception>
    public static DecodeOverlap Resolve(IConfiguration configuration) => Setting.Resolve(configuration);
}
