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
public sealed class TextToVideoPipeline(TextEncoder text, WanModel dit, WanVae vae, ResidentModel description, bool untrained)
    : IVideoPipeline
{
    public ResidentModel Description { get; } = description;

    public bool TakesImage => false;

    public bool Untrained { get; } = untrained;

    public VideoResult Generate(
        VideoRequest request, VaeTiling? decodeTiling, RenderCheckpoints? checkpoints, IProgress<GenerationProgress>? progress, CancellationToken cancellationToken)
    {
        var geometry = VideoGeometry.For(request.Resolution, request.AspectRatio, request.Frames);
        var clock = new StageClock(progress);
        using var scope = NewDisposeScope();
        var prompt = clock.Run(GenerationStage.EncodingText, 1, _ => dit.PrepareContext(text.Encode(request.Prompt)));
        using (prompt)
        {
            var network = new WanVelocityNetwork(dit, prompt);
            var denoised = Denoise.Run(
                network, RcmSchedule.TextToVideo(request.Steps), null, request.Seed, geometry.LatentShape(), dit.Device, clock, checkpoints, cancellationToken);
            return VideoOutput.DecodeAndWrite(vae, denoised.Latents, decodeTiling, request, geometry, clock, Description, Untrained, cancellationToken)
                with { Resumed = denoised.Resumed };
        }
    }

    public void Dispose()
    {
        text.Dispose();
        dit.Dispose();
        vae.Dispose();
    }
}
