using TurboDiffusion.Engine.Checkpoints;
using TurboDiffusion.Engine.Models.Umt5;
using TurboDiffusion.Engine.Models.Wan;
using TurboDiffusion.Engine.Models.WanVae;
using TurboDiffusion.Engine.Pipelines;

namespace TurboDiffusion.Engine.Planning;

/// <summary>
/// The architectures of a model set, enough to plan its memory without loading a weight: the DiT (and how many experts
/// of it), the text encoder and the VAE. A directory's DiT is read from its checkpoint's tensor shapes, as the loader
/// reads it.
/// </summary>
public sealed record ModelFootprint(string Model, WanConfig Dit, int Experts, Umt5Config TextEncoder, WanVaeConfig Vae)
{
    /// <exception cref="ModelNotFoundException">A directory's files are missing.</exception>
    /// <exception cref="CheckpointException">Its DiT checkpoint cannot be read.</exception>
    public static ModelFootprint For(string model, bool imageToVideo = false)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(model);
        if (VideoPipelineLoader.UntrainedArchitecture(model, imageToVideo) is { } builtIn)
        {
            return builtIn;
        }

        var files = ModelFiles.Resolve(model);
        using var checkpoint = WanCheckpoint.Open(files.Dit);
        return new ModelFootprint(model, WanConfigDetector.Detect(checkpoint), files.LowNoiseDit is null ? 1 : 2, Umt5Config.Xxl, WanVaeConfig.Wan21);
    }
}
