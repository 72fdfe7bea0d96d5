using System.CommandLine;
using System.Globalization;
using Microsoft.Extensions.Configuration;
using TurboDiffusion.Engine.Attention;
using TurboDiffusion.Engine;
using TurboDiffusion.Engine.Pipelines;

namespace TurboDiffusion.Cli.Configuration;

/// <summary>
/// The DiT self-attention of the engines the CLI builds: <c>--attention</c> and <c>--topk</c> where a command has them,
/// else <c>Turbo:Engine:Attention</c> and <c>Turbo:Engine:TopK</c>, else auto at TurboDiffusion's ratio 0.1.
/// </summary>
public static class AttentionSettings
{
    public const string AttentionKey = "Turbo:Engine:Attention";
    public const string TopKKey = "Turbo:Engine:TopK";

    private static readonly Dictionary<string, DitAttentionMode> Modes =
        Enum.GetValues<DitAttentionMode>().ToDictionary(m => m.ToString().ToLowerInvariant(), StringComparer.OrdinalIgnoreCase);

    /// <summary>"auto, dense, sla, sagesla".</summary>
    public static string Allowed { get; } = string.Join(", ", Modes.Keys);

    public static Option<string?> AttentionOption()
    {
        var option = new Option<string?>("--attention")
        {
            HelpName = string.Join("|", Modes.Keys),
            Description = $"DiT self-attention: {Allowed}. auto runs SLA on TurboDiffusion checkpoints (SageSLA on a GPU that can run it) " +
                $"and dense on official Wan and the built-in models; sla and sagesla fail where they cannot run. Default: {AttentionKey}, else auto.",
        };
        option.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<string?>() is { } value && !Modes.ContainsKey(value))
            {
                result.AddError($"--attention must be one of {Allowed}; got '{value}'.");
            }
        });
        return option;
    }

    public static Option<double?> TopKOption()
    {
        var option = new Option<double?>("--topk")
        {
            Description = $"SLA: the fraction of key blocks each query block attends, in (0, 1] ({SlaOptions.RecommendedRatio} recommended for quality). Default: {TopKKey}, else {SlaOptions.DefaultRatio}.",
        };
        option.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<double?>() is { } value && !InRange(value))
            {
                result.AddError($"--topk must be in (0, 1]; got {value.ToString(CultureInfo.InvariantCulture)}.");
            }
        });
        return option;
    }

    /// <param name="attention">The <c>--attention</c> value, already validated; null falls back to the setting.</param>
    /// <param name="topK">The <c>--topk</c> value, already validated; null falls back to the setting.</param>
    /// <exception cref="FormatException">A setting that is not one of the modes, or not a ratio in (0, 1]; the message names the key and the allowed values.</exception>
    public static DitAttentionOptions Resolve(IConfiguration configuration, string? attention = null, double? topK = null)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return new DitAttentionOptions(Mode(attention, configuration), topK ?? TopK(configuration));
    }

    private static DitAttentionMode Mode(string? attention, IConfiguration configuration)
    {
        var value = attention ?? Setting(configuration, AttentionKey);
        if (value is null)
        {
            return DitAttentionMode.Auto;
        }

        return Modes.TryGetValue(value, out var mode) ? mode : throw new FormatException($"{AttentionKey} must be one of {Allowed}; got '{value}'.");
    }

    private static double TopK(IConfiguration configuration)
    {
        if (Setting(configuration, TopKKey) is not { } value)
        {
            return SlaOptions.DefaultRatio;
        }

        return double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var ratio) && InRange(ratio)
            ? ratio
            : throw new FormatException($"{TopKKey} must be a number in (0, 1] ({SlaOptions.DefaultRatio} by default, {SlaOptions.RecommendedRatio} recommended); got '{value}'.");
    }

    private static bool InRange(double ratio) => ratio > 0 && ratio <= 1;

    private static string? Setting(IConfiguration configuration, string key) => configuration[key] is { } value && !string.IsNullOrWhiteSpace(value) ? value.Trim() : null;
}
