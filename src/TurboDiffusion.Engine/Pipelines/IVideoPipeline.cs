using TurboDiffusion.Engine.Models.WanVae;

namespace TurboDiffusion.Engine.Pipelines;

/// <summary>
/// A loaded model set (text encoder, DiT or experts, VAE) that renders requests in two halves, each synchronously on
/// the thread that calls it: <see cref="DenoiseVideo"/> (text and image encoding, denoising) and then
/// <see cref="DecodeVideo"/> (VAE decode, files). The halves of one render may run on different threads, so the
/// engine can decode one render while it denoises the next; the VAE's decoder is only ever used by the second half.
/// </summary>
internal interface IVideoPipeline : IDisposable
{
    ResidentModel Description { get; }

    /// <summary>Image-to-video (needs <see cref="VideoRequest.ImagePath"/>) rather than text-to-video.</summary>
    bool TakesImage { get; }

    /// <summary>Random weights: the output is noise, useful to exercise the whole path.</summary>
    bool Untrained { get; }

    /// <summary>Encodes the prompt (and image) and denoises: everything of the render before its VAE decode.</summary>
    /// <param name="checkpoints">Resume from a step checkpoint and save one after every step; null for neither.</param>
    /// <param name="clock">Times the render's stages and reports its progress; handed on with the latents.</param>
    /// <exception cref="CheckpointMismatchException">The checkpoint to resume from does not fit the request.</exception>
    DenoisedVideo DenoiseVideo(VideoRequest request, RenderCheckpoints? checkpoints, StageClock clock, CancellationToken cancellationToken);

    /// <summary>Decodes the latents and writes the video's files. The caller still disposes <paramref name="video"/>.</summary>
    /// <param name="decodeTiling">Spatially tiled VAE decode (to fit a large video into the device), or whole frames when null.</param>
    VideoResult DecodeVideo(DenoisedVideo video, VaeTiling? decodeTiling, CancellationToken cancellationToken);
}
