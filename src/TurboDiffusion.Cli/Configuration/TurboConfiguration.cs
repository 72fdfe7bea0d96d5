using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.EnvironmentVariables;
using Microsoft.Extensions.Configuration.Json;
using TurboDiffusion.Engine.Runtime;

namespace TurboDiffusion.Cli.Configuration;

/// <summary>
/// The CLI's settings: <c>appsettings.json</c> in the working directory, then the JSON file that the environment
/// variable <c>TURBO_SETTINGS</c> names (a mounted ConfigMap, say), then environment variables
/// (<c>Turbo__Redis__ConnectionString</c> for <c>Turbo:Redis:ConnectionString</c>), later sources winning.
/// </summary>
public static partial class TurboConfiguration
{
    public const string FileName = "appsettings.json";
    public const string SettingsFileVariable = "TURBO_SETTINGS";

    /// <exception cref="SettingsFileException">TURBO_SETTINGS names a file that is missing or not valid JSON.</exception>
    public static IConfigurationRoot Build(string? directory = null)
    {
        var builder = new ConfigurationBuilder()
            .SetBasePath(directory ?? Directory.GetCurrentDirectory())
            .AddJsonFile(FileName, optional: true);
        if (Environment.GetEnvironmentVariable(SettingsFileVariable) is { Length: > 0 } file)
        {
            var path = Path.GetFullPath(file);
            if (!File.Exists(path))
            {
                throw new SettingsFileException($"{SettingsFileVariable} names {path}, which does not exist; point it at a JSON settings file or unset it.");
            }

            builder.AddJsonFile(path, optional: false);
        }

        try
        {
            return builder.AddEnvironmentVariables().Build();
        }
        catch (InvalidDataException e)
        {
            throw new SettingsFileException($"a settings file is not valid JSON: {e.Message}", e);
        }
    }

    public static TorchRuntimeOptions EngineOptions(IConfiguration configuration)
    {
        var section = configuration.GetSection(TorchRuntimeOptions.Section);
        return new TorchRuntimeOptions
        {
            LibTorchDir = NullIfEmpty(section["LibTorchDir"]),
            Python = NullIfEmpty(section["Python"]) ?? TorchRuntimeOptions.DefaultPython,
            NativeKernels = NullIfEmpty(section["NativeKernels"]),
            CacheDir = NullIfEmpty(section["CacheDir"]),
        };
    }

    /// <summary>A key's effective value and where it came from, or null when no source sets it.</summary>
    public static (string Value, string Source)? Lookup(IConfigurationRoot configuration, string key)
    {
        foreach (var provider in configuration.Providers.Reverse())
        {
            if (provider.TryGet(key, out var value) && !string.IsNullOrEmpty(value))
            {
                return (value, provider switch
                {
                    EnvironmentVariablesConfigurationProvider => $"environment {key.Replace(":", "__", StringComparison.Ordinal)}",
                    JsonConfigurationProvider json => $"{json.Source.Path} {key}",
                    _ => provider.ToString() ?? provider.GetType().Name,
                });
            }
        }

        return null;
    }

    /// <summary>A connection string with passwords, keys and signatures replaced, safe to print.</summary>
    public static string Redact(string connectionString) =>
        Secret().Replace(connectionString, m => $"{m.Groups[1].Value}=***");

    private static string? NullIfEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;

    [GeneratedRegex(@"(password|accountkey|sharedaccesssignature|sig|token|secret)\s*=\s*[^;,]*", RegexOptions.IgnoreCase)]
    private static partial Regex Secret();
}
