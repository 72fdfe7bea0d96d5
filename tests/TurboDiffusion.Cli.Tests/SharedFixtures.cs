using System.Text.Json;

namespace TurboDiffusion.Cli.Tests;

/// <summary>
/// The golden data sets in <c>../shared/fixtures</c> beside the repository (or under <c>TURBO_FIXTURES</c>), read-only:
/// commands are run on their files, and their <c>fixture.json</c> says what those hold.
/// </summary>
internal static class SharedFixtures
{
    public static string PathOf(string set, string file) => Path.Combine(Root(), set, file);

    /// <summary>The top-level section <paramref name="name"/> of a set's <c>fixture.json</c>.</summary>
    public static JsonElement Section(string set, string name)
    {
        using var manifest = JsonDocument.Parse(File.ReadAllText(PathOf(set, "fixture.json")));
        return manifest.RootElement.GetProperty(name).Clone();
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
