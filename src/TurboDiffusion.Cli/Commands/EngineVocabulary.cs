using TurboDiffusion.Client.Models;
using TurboDiffusion.Engine;
using TurboDiffusion.Gateway.Mapping;

namespace TurboDiffusion.Cli.Commands;

/// <summary>
/// The API's names of resolutions and aspect ratios ("480p", "16:9") as the engine's values, for the commands that
/// render on this machine. They go through the farm's values, the one mapped path from the wire to the engine.
/// </summary>
public static class EngineVocabulary
{
    public static VideoResolution Resolution(string name) => TurboDiffusion.Farm.Contracts.EngineEnums.ToEngine(VocabularyMapper.ToFarm(Parse<JobResolution>(name)));

    public static AspectRatio Aspect(string name) => TurboDiffusion.Farm.Contracts.EngineEnums.ToEngine(VocabularyMapper.ToFarm(Parse<JobAspectRatio>(name)));

    private static T Parse<T>(string name)
        where T : struct, Enum =>
        WireNames.TryParse<T>(name, out var value) ? value : throw new ArgumentException(WireNames.Unknown<T>(name), nameof(name));
}
