using TurboDiffusion.Engine.Checkpoints;
using TurboDiffusion.Engine.Runtime;

namespace TurboDiffusion.Engine.Tests.Fixtures;

/// <summary>
/// One folder of golden data from the official reference code (<c>../shared/fixtures/NAME</c> beside the
/// repository, or under <c>TURBO_FIXTURES</c> where the fixtures travel with a published test bundle).
/// Shapes, settings and tolerances are read from the folder's <c>fixture.json</c> (<see cref="Manifest"/>) and its tensor
/// files, never written into tests.
/// </summary>
public sealed class GoldenFixture
{
    private GoldenFixture(string directory, FixtureManifest manifest)
    {
        Directory = directory;
        Manifest = manifest;
    }

    public string Directory { get; }

    public FixtureManifest Manifest { get; }

    public static GoldenFixture Open(string name)
    {
        TorchRuntime.EnsureLoaded();
        var directory = Path.Combine(Root(), name);
        var manifest = Path.Combine(directory, "fixture.json");
        if (!File.Exists(manifest))
        {
            throw new FileNotFoundException($"Fixture '{name}' not found at {directory}. Fixtures live in ../shared/fixtures beside the repository (or set TURBO_FIXTURES).", manifest);
        }

        return new GoldenFixture(directory, FixtureManifest.Read(manifest));
    }

    public string PathOf(string file) => Path.Combine(Directory, file);

    public SafetensorsFile Tensors(string file) => SafetensorsFile.Open(PathOf(file));

    /// <summary>The tolerance the manifest states under <c>tolerance[key]</c>; see <see cref="FixtureManifest.Tolerance"/>.</summary>
    public Tolerance Tolerance(string key, string? kind = null) => Manifest.Tolerance(key, kind);

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
