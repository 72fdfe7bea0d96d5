using TurboDiffusion.Engine.Models.Umt5;
using TurboDiffusion.Engine.Models.Wan;
using TurboDiffusion.Engine.Models.WanVae;
using TurboDiffusion.Engine.Sampling;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Pipelines;

/// <summary>
/// Prompt → umT5 context → rCM sampling of the Wan DiT (4 steps by default, SDE) → VAE decode → MP4.
/// All noise comes from one generator seeded with the request's seed.
/// </summary>
internal sealed class TextToVideoPipeline(TextEncoder text, WanModel dit, WanVae vae, ResidentModel description, bool untrained)
    : IVideoPipeline
{
    public ResidentModel Description { get; } = description;

    public bool TakesImage => false;

    public bool Untrained { get; } = untrained;

    public DenoisedVideo DenoiseVideo(VideoRequest request, RenderCheckpoints? checkpoints, StageClock clock, CancellationToken cancellationToken)
    {
        var geometry = VideoGeometry.For(request.Resolution, request.AspectRatio, request.Frames);
        using var scope = NewDisposeScope();
        using var prompt = clock.Run(GenerationStage.EncodingText, 1, _ => dit.PrepareContext(text.Encode(request.Prompt)));
        var network = new WanVelocityNetwork(dit, prompt);
        var denoised = Denoise.Run(
            network, RcmSchedule.TextToVideo(request.Steps), null, request.Seed, geometry.LatentShape(), dit.Device, clock, checkpoints, cancellationToken);
        return new DenoisedVideo(denoised.Latents.DetachFromDisposeScope(), request, geometry, clock, denoised.Resumed);
    }

    public VideoResult DecodeVideo(DenoisedVideo video, VaeTiling? decodeTiling, CancellationToken cancellationToken) =>
        VideoOutput.DecodeAndWrite(vae, video, decodeTiling, Description, Untrained, cancellationToken);

    public void Dispose()
    {
        text.Dispose();
        dit.Dispose();
        vae.Dispose();
    }
}
