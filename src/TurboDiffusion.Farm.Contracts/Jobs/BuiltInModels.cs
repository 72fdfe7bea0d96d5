namespace TurboDiffusion.Farm.Contracts;

/// <summary>
/// The engine's built-in untrained models, by id. <c>tiny</c> runs on a CPU and every farm serves it; the random
/// models have the real architectures (up to 14B parameters) and are served only by pools that enable them
/// (Turbo:Scheduler:RandomModelPools), since loading one needs a large device.
/// </summary>
public static class BuiltInModels
{
    public const string Tiny = "tiny";

    public static IReadOnlyList<string> Random { get; } = ["random-1.3B", "random-14B", "random-A14B"];

    /// <summary>The random model's canonical id, in any case ("random-14b" is random-14B); null for any other id.</summary>
    public static string? RandomModel(string model) => Random.FirstOrDefault(r => string.Equals(r, model, StringComparison.OrdinalIgnoreCase));
}
