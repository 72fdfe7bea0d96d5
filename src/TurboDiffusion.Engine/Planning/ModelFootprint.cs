using TurboDiffusion.Engine.Checkpoints;
using TurboDiffusion.Engine.Models.Umt5;
using TurboDiffusion.Engine.Models.Wan;
using TurboDiffusion.Engine.Models.WanVae;
using TurboDiffusion.Engine.Pipelines;

namespace TurboDiffusion.Engine.Planning;

/// <summary>
/// The architectures of a model set, enough to plan its memory without loading a weight: the DiT (and how many experts
/// of it, and whether its block linears are int8), the text encoder and the VAE. A directory's DiT is read from its
/// checkpoint's tensor shapes and layout, as the loader reads it.
/// </summary>
public sealed record ModelFootprint(string Model, WanConfig Dit, int Experts, Umt5Config TextEncoder, WanVaeConfig Vae)
{
    /// <summary>The DiT's block linears as they will load: <see cref="DitLinears.Bf16"/> or <see cref="DitLinears.Int8"/>.</summary>
    public DitLinears Linears { get; init; } = DitLinears.Bf16;

    /// <summary>One expert's weights on the device (<see cref="DitWeights"/>).</summary>
    public long DitWeightBytes => DitWeights.Bytes(Dit, Linears);

    /// <param name="linears">The linears asked for; auto resolves by the checkpoint's layout, as loading does.</param>
    /// <exception cref="ModelNotFoundException">A directory's files are missing.</exception>
    /// <exception cref="CheckpointException">Its DiT checkpoint cannot be read.</exception>
    public static ModelFootprint For(string model, bool imageToVideo = false, DitLinears linears = DitLinears.Auto)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(model);
        if (VideoPipelineLoader.UntrainedArchitecture(model, imageToVideo) is { } builtIn)
        {
            // The built-in models' random weights are dense, under the official names.
            return builtIn with { Linears = DitLinearsChoice.Resolve(linears, WanCheckpointLayout.OfficialWan) };
        }

        var files = ModelFiles.Resolve(model);
        using var checkpoint = WanCheckpoint.Open(files.Dit);
        return new ModelFootprint(model, WanConfigDetector.Detect(checkpoint), files.LowNoiseDit is null ? 1 : 2, Umt5Config.Xxl, WanVaeConfig.Wan21)
        {
            Linears = DitLinearsChoice.Resolve(linears, checkpoint.Layout),
        };
    }
}
