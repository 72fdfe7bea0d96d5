using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using TurboDiffusion.Engine.Checkpoints;
using TurboDiffusion.Engine.Runtime;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Tests.Fixtures;

/// <summary>
/// One folder of golden data from the official reference code (<c>../shared/fixtures/NAME</c> beside the
/// repository, or under <c>TURBO_FIXTURES</c> where the fixtures travel with a published test bundle).
/// Tolerances are read from the folder's <c>fixture.json</c>, never written into tests.
/// </summary>
public sealed partial class GoldenFixture
{
    private GoldenFixture(string directory, JsonDocument manifest)
    {
        Directory = directory;
        Manifest = manifest;
    }

    public string Directory { get; }

    public JsonDocument Manifest { get; }

    public static GoldenFixture Open(string name)
    {
        TorchRuntime.EnsureLoaded();
        var directory = Path.Combine(Root(), name);
        var manifest = Path.Combine(directory, "fixture.json");
        if (!File.Exists(manifest))
        {
            throw new FileNotFoundException($"Fixture '{name}' not found at {directory}. Fixtures live in ../shared/fixtures beside the repository (or set TURBO_FIXTURES).", manifest);
        }

        return new GoldenFixture(directory, JsonDocument.Parse(File.ReadAllBytes(manifest)));
    }

    public string PathOf(string file) => Path.Combine(Directory, file);

    public SafetensorsFile Tensors(string file) => SafetensorsFile.Open(PathOf(file));

    /// <summary>The tolerance the manifest states under <c>tolerance[key]</c>, e.g. "max_abs &lt;= 5e-5 and rel_l2 &lt;= 5e-6".</summary>
    public Tolerance Tolerance(string key)
    {
        var text = Manifest.RootElement.GetProperty("tolerance").GetProperty(key).GetString()
            ?? throw new InvalidOperationException($"tolerance '{key}' is not a string");
        // "relative 1e-6" (the intermediates' wording) bounds the same norm ratio as rel_l2.
        var tolerance = new Tolerance(Bound(text, @"max_abs\s*<="), Bound(text, @"rel_l2\s*<=") ?? Bound(text, "^relative"), text);
        if (tolerance.MaxAbs is null && tolerance.RelL2 is null)
        {
            throw new InvalidOperationException($"tolerance '{key}' states no max_abs or rel_l2 bound: {text}");
        }

        return tolerance;
    }

    private static double? Bound(string text, string prefix)
    {
        var match = Regex.Match(text, prefix + @"\s*([0-9.eE+-]+)");
        return match.Success ? double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) : null;
    }

    private static string Root()
    {
        if (Environment.GetEnvironmentVariable("TURBO_FIXTURES") is { Length: > 0 } configured)
        {
            return configured;
        }

        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "TurboDiffusion.sln")))
            {
                return Path.Combine(dir.FullName, "..", "shared", "fixtures");
            }
        }

        throw new DirectoryNotFoundException($"No repository root (TurboDiffusion.sln) above {AppContext.BaseDirectory}; set TURBO_FIXTURES to the fixtures folder.");
    }
}

/// <summary>Bounds on the difference from a reference; <see cref="Source"/> is the manifest's wording.</summary>
public sealed record Tolerance(double? MaxAbs, double? RelL2, string Source);
