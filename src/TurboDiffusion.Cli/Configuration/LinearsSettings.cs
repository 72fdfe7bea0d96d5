using System.CommandLine;
using Microsoft.Extensions.Configuration;
using TurboDiffusion.Engine.Pipelines;

namespace TurboDiffusion.Cli.Configuration;

/// <summary>
/// The DiT's block linears in the engines the CLI builds: <c>--linears</c> where a command has it, else
/// <c>Turbo:Engine:Linears</c>, else auto (int8 for a <c>-quant</c> checkpoint, bf16 otherwise).
/// </summary>
public static class LinearsSettings
{
    public const string Key = "Turbo:Engine:Linears";

    private static readonly Dictionary<string, DitLinears> Choices =
        Enum.GetValues<DitLinears>().ToDictionary(m => m.ToString().ToLowerInvariant(), StringComparer.OrdinalIgnoreCase);

    /// <summary>"auto, bf16, int8".</summary>
    public static string Allowed { get; } = string.Join(", ", Choices.Keys);

    /// <summary>The choices as <c>--linears</c> spells them.</summary>
    public static IReadOnlyCollection<string> Names => Choices.Keys;

    public static Option<string?> LinearsOption()
    {
        var option = new Option<string?>("--linears")
        {
            HelpName = string.Join("|", Choices.Keys),
            Description = $"DiT block linears (attention q/k/v/o, FFN): {Allowed}. auto runs int8 (W8A8) for a -quant checkpoint and bf16 otherwise; " +
                $"int8 on a bf16 checkpoint quantizes it at load; bf16 on a -quant checkpoint dequantizes it. Default: {Key}, else auto.",
        };
        option.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<string?>() is { } value && !Choices.ContainsKey(value))
            {
                result.AddError(Unknown("--linears", value));
            }
        });
        return option;
    }

    /// <param name="linears">The <c>--linears</c> value, already validated; null falls back to the setting.</param>
    /// <exception cref="FormatException">A setting that is not one of the choices; the message names the key and the allowed values.</exception>
    public static DitLinears Resolve(IConfiguration configuration, string? linears = null)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var value = linears ?? (configuration[Key] is { } set && !string.IsNullOrWhiteSpace(set) ? set.Trim() : null);
        if (value is null)
        {
            return DitLinears.Auto;
        }

        return Choices.TryGetValue(value, out var choice) ? choice : throw new FormatException(Unknown(Key, value));
    }

    /// <summary>A choice by name, as <c>--linears</c> takes it (any case).</summary>
    public static DitLinears Parse(string name) =>
        Choices.TryGetValue(name, out var choice) ? choice : throw new FormatException(Unknown("--linears", name));

    private static string Unknown(string source, string value) => $"{source} must be one of {Allowed}; got '{value}'.";
}
