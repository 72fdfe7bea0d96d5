using TurboDiffusion.Engine.Models.WanVae;

namespace TurboDiffusion.Engine.Pipelines;

/// <summary>A loaded model set (text encoder, DiT or experts, VAE) that renders requests synchronously on the calling thread.</summary>
public interface IVideoPipeline : IDisposable
{
    ResidentModel Description { get; }

    /// <summary>Image-to-video (needs <see cref="VideoRequest.ImagePath"/>) rather than text-to-video.</summary>
    bool TakesImage { get; }

    /// <summary>Random weights: the output is noise, useful to exercise the whole path.</summary>
    bool Untrained { get; }

    /// <param name="decodeTiling">Spatially tiled VAE decode (to fit a large video into the device), or whole frames when null.</param>
    /// <param name="checkpoints">Resume from a step checkpoint and save one after every step; null for neither.</param>
    /// <exception cref="CheckpointMismatchException">The checkpoint to resume from does not fit the request.</exception>
    VideoResult Generate(
        VideoRequest request, VaeTiling? decodeTiling, RenderCheckpoints? checkpoints, IProgress<GenerationProgress>? progress, CancellationToken cancellationToken);
}
